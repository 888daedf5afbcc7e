"""Mail that lands: every kind of mail the site sends has a text and an HTML part,
Message-ID, Date and our sender; Auto-Submitted when no person wrote it;
List-Unsubscribe with one-click POST (RFC 8058) when the member may stop it;
no images or tracking; and SpamAssassin (local rules) scores it below 1.0."""

import email.policy
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings
from django.core.mail import EmailMessage

from accounts.models import User
from tests.mail_support import (
    KINDS,
    UNSUBSCRIBABLE,
    WRITTEN_BY_A_PERSON,
    by_kind,
    send_every_kind,
)

pytestmark = pytest.mark.django_db

SPAM_LIMIT = 1.0


@pytest.fixture
def every_kind(
    make_event: Any,
    member: User,
    stranger: User,
    organizer: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> dict[str, EmailMessage]:
    # As in production: the site's own domain in links and sender.
    settings.SITE_URL = "https://somehub.example"
    settings.DEFAULT_FROM_EMAIL = "#SoMe Stammtisch Hannover <noreply@somehub.example>"
    send_every_kind(
        make_event, member, stranger, organizer, django_capture_on_commit_callbacks
    )
    found = by_kind(mailoutbox)
    assert set(found) == set(KINDS), set(KINDS) - set(found)
    return found


def test_every_kind_has_the_headers_of_mail_that_lands(every_kind) -> None:
    for kind, message in every_kind.items():
        mime = message.message()
        assert mime["Message-ID"] and mime["Date"], kind
        assert mime["From"] == settings.DEFAULT_FROM_EMAIL, kind
        types = [part.get_content_type() for part in mime.walk()]
        assert "text/plain" in types and "text/html" in types, (kind, types)
        automatic = mime["Auto-Submitted"] == "auto-generated"
        assert automatic == (kind not in WRITTEN_BY_A_PERSON), kind
        if kind in UNSUBSCRIBABLE:
            assert re.fullmatch(
                r"<https://somehub\.example/unsubscribe/[^>]+/>",
                mime["List-Unsubscribe"],
            ), kind
            assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert mime["List-Id"].endswith(".somehub.example>"), kind
            # As the SMTP backend writes it: the link as it is, never as RFC 2047
            # encoded words (mail programs would not find it).
            raw = message.message(policy=email.policy.SMTP).as_bytes().decode()
            assert f"List-Unsubscribe: {mime['List-Unsubscribe']}\r\n" in raw, kind
            link = mime["List-Unsubscribe"].strip("<>")
            assert link in message.body, kind  # visible in the text part too
            html = next(c for c, t in message.alternatives if t == "text/html")
            assert link in html, kind
        else:
            assert mime["List-Unsubscribe"] is None, kind


def test_no_images_or_tracking_in_any_mail(every_kind) -> None:
    for kind, message in every_kind.items():
        html = next(c for c, t in message.alternatives if t == "text/html")
        assert "<img" not in html.lower(), kind
        assert not re.search(r"\bsrc=", html, re.IGNORECASE), kind
        assert "url(" not in html, kind


def test_organizer_messages_answer_to_the_organizer(every_kind, organizer) -> None:
    assert every_kind["Orga-Team message"].reply_to == [organizer.email]


def spam_score(raw: bytes) -> tuple[float, str]:
    result = subprocess.run(
        ["spamassassin", "-L", "-t"],
        input=raw,
        capture_output=True,
        timeout=120,
        check=False,
    )
    output = result.stdout.decode("utf-8", "replace")
    match = re.search(r"X-Spam-Status: \w+, score=(-?[\d.]+)", output)
    assert match, output[:2000]
    report = output[output.find("Content analysis details") :]
    return float(match.group(1)), report


@pytest.mark.skipif(
    shutil.which("spamassassin") is None,
    reason="spamassassin is not installed; scripts/test-setup.sh (make test) "
    "installs the Debian package",
)
def test_spamassassin_scores_every_kind_below_one(every_kind, capsys) -> None:
    raws = {
        kind: message.message(policy=email.policy.SMTP).as_bytes()
        for kind, message in every_kind.items()
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        scores = dict(zip(raws, pool.map(spam_score, raws.values()), strict=True))
    with capsys.disabled():
        print("\nSpamAssassin (spamassassin -L -t), score per kind of mail:")
        for kind, (score, report) in scores.items():
            rules = re.findall(r"^\s*(-?[\d.]+) (\w+)", report, re.MULTILINE)
            fired = ", ".join(f"{name} {points}" for points, name in rules)
            print(f"  {kind:20} {score:5.1f}   {fired}")
    too_high = {
        kind: report for kind, (score, report) in scores.items() if score >= SPAM_LIMIT
    }
    assert not too_high, too_high
