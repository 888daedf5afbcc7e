"""Stored XSS: every free-text field holds an attack string; no page runs it.

For each payload a whole small site is built (tests/security/world.py) in which every
field a member or the Orga-Team can fill holds that payload, and every page, form,
admin page, feed and e-mail that shows those fields is scanned for active markup
(tests/security/payloads.py). Fields whose validation refuses a payload (a link that
is not http(s), a name that is too long) are fine too: that is the clear error the
member gets instead.
"""

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from django.conf import settings
from django.urls import reverse

from somehub.lib.markdown import render_markdown
from tests.security.payloads import URL_PAYLOADS, XSS_PAYLOADS, active_markup
from tests.security.world import (
    FEEDS,
    FIELDS,
    PROFILE_LINKS,
    World,
    build_world,
    marker,
    pages,
)

pytestmark = pytest.mark.django_db

URL_FIELDS = {f"profile.{name}" for name in PROFILE_LINKS} | {"proposal.slides_url"}
# Plain-text fields and the page that must show them exactly as typed.
FAITHFUL = {
    "profile.display_name": "profile",
    "profile.organisation": "profile",
    "profile.role": "profile",
    "profile.bio": "profile",
    "profile.challenge": "profile",
    "event.title": "event page",
    "event.motto": "event page",
    "proposal.title": "proposal page",
    "proposal.abstract": "proposal page",
    "wish.context": "wish page",
    "venue.name": "event page",
    "recap.title": "recap page",
    "comment.body": "comment report form",
}
ATOM = "{http://www.w3.org/2005/Atom}"

# Filled by the tests, printed by the last one: the counts for the closing note.
COUNTS: Counter[str] = Counter()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def shown_fields(world: World, text: str) -> list[str]:
    """The stored fields whose value this page or mail shows."""
    plain = html.unescape(text)
    found = []
    for name, value in world.stored.items():
        if name in URL_FIELDS:
            if value in plain and value != "":
                found.append(name)
        elif marker(name) in plain:
            found.append(name)
    return found


def feed_html_parts(body: bytes) -> list[str]:
    """The parts of an Atom feed that readers render as HTML, and all titles."""
    root = ET.fromstring(body)  # a payload must never make the feed invalid XML
    parts = []
    for element in root.iter():
        if element.get("type") == "html" or element.tag == f"{ATOM}content":
            parts.append(element.text or "")
    return parts


def scan_world(world: World, mailoutbox: list) -> tuple[list[str], Counter[str]]:
    """Every page, form, feed and e-mail of the world: findings and what was seen."""
    failures: list[str] = []
    seen: Counter[str] = Counter()  # field -> number of pages showing it
    for label, role, url in pages(world):
        response = world.clients[role].get(url)
        assert response.status_code == 200, (label, url, response.status_code)
        text = response.content.decode()
        failures += [f"{label}: {f}" for f in active_markup(text, settings.SITE_URL)]
        seen.update(shown_fields(world, text))
        for name, page in FAITHFUL.items():
            if page == label and name in world.stored:
                value = " ".join(world.stored[name].split())
                if value not in " ".join(html.unescape(text).split()):
                    failures.append(f"{label}: {name} not shown as typed")
    for label, text in world.early_html.items():
        failures += [f"{label}: {f}" for f in active_markup(text, settings.SITE_URL)]
        seen.update(shown_fields(world, text))
    for label, name in FEEDS:
        response = world.clients["anonymous"].get(reverse(name))
        assert response.status_code == 200
        parts = feed_html_parts(response.content)
        for part in parts:
            failures += [f"{label}: {f}" for f in active_markup(part)]
        seen.update(shown_fields(world, response.content.decode()))
    for mail in mailoutbox:
        assert "\n" not in mail.subject and "\r" not in mail.subject
        for body, mimetype in mail.alternatives:
            if mimetype == "text/html":
                failures += [
                    f"e-mail {mail.subject!r}: {f}" for f in active_markup(body)
                ]
                seen.update(shown_fields(world, body))
        seen.update(shown_fields(world, mail.body))
    return failures, seen


def check_world(world: World, mailoutbox: list) -> Counter[str]:
    failures, seen = scan_world(world, mailoutbox)
    assert not failures, "Active markup survived:\n" + "\n".join(failures)
    never_shown = [name for name in world.stored if not seen[name]]
    assert not never_shown, f"Stored but shown nowhere (test is blind): {never_shown}"
    return seen


@pytest.mark.parametrize(
    "payload", XSS_PAYLOADS, ids=[f"xss{n:02d}" for n in range(len(XSS_PAYLOADS))]
)
def test_no_payload_survives_as_active_markup(
    payload: str, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    index = XSS_PAYLOADS.index(payload)
    url_payload = URL_PAYLOADS[index % len(URL_PAYLOADS)]
    world = build_world(payload, url_payload, django_capture_on_commit_callbacks)
    seen = check_world(world, mailoutbox)
    # Short text fields take every payload: nothing is refused for its content.
    text_refused = [name for name in world.refused if name not in URL_FIELDS]
    assert not text_refused, world.refused
    COUNTS["payloads"] += 1
    COUNTS["fields stored"] += len(world.stored)
    COUNTS["fields refused"] += len(world.refused)
    COUNTS["field renderings scanned"] += sum(seen.values())
    COUNTS["pages, feeds and e-mails scanned"] += (
        len(pages(world)) + len(world.early_html) + len(FEEDS) + len(mailoutbox)
    )


# "//host/x" is not in here: the form reads it as https://host/x, a normal link.
NON_WEB_URLS = [
    u for u in URL_PAYLOADS if not u.startswith(("https://", "http://", "//"))
]


@pytest.mark.parametrize("url", NON_WEB_URLS)
def test_the_link_fields_refuse_every_non_web_url(client, member, url: str) -> None:
    """javascript:, data:, vbscript: and protocol-relative links are never stored."""
    from impulses.models import Proposal

    client.force_login(member)
    data = {
        "display_name": "Mia",
        "handle": member.profile.handle,
        "visibility": "members",
        "preferred_language": "de",
        **{name: url for name in PROFILE_LINKS},
    }
    response = client.post(reverse("accounts:edit-profile"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(PROFILE_LINKS)
    member.profile.refresh_from_db()
    assert not any(getattr(member.profile, name) for name in PROFILE_LINKS)
    response = client.post(
        reverse("impulses:proposal-create"),
        {"title": "T", "abstract": "A", "length": 10, "slides_url": url},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"slides_url"}
    assert not Proposal.objects.exists()


def test_a_harmless_world_has_no_findings_and_shows_every_field(
    django_capture_on_commit_callbacks, mailoutbox
) -> None:
    """The scanner sees nothing on the site's own pages (no false alarms) and
    every field appears somewhere (the scan is not blind)."""
    world = build_world(
        "ein ganz normaler Text",
        "https://example.org/profil",
        django_capture_on_commit_callbacks,
    )
    check_world(world, mailoutbox)
    assert set(world.stored) == set(FIELDS)
    assert not world.refused


def test_payloads_are_live_when_not_escaped() -> None:
    """Each payload does run somewhere if a template forgets to escape: inside an
    element, an attribute, a textarea or a title, or as unsanitised Markdown."""
    from urllib.parse import unquote

    import markdown

    for payload in XSS_PAYLOADS:
        if "{{" in payload:
            continue  # template syntax: checked by showing it as typed instead
        contexts = [
            f"<p>{payload}</p>",
            f'<input value="{payload}">',
            f"<input value='{payload}'>",
            f"<textarea>{payload}</textarea>",
            f"<title>{payload}</title>",
            f'<script type="application/ld+json">{{"name": "{payload}"}}</script>',
            markdown.markdown(payload),
            html.unescape(f"<p>{payload}</p>"),
            unquote(f"<p>{payload}</p>"),
            payload.encode().decode("unicode_escape"),
        ]
        assert any(active_markup(c) for c in contexts), payload


def test_markdown_keeps_links_but_drops_scripts_and_handlers() -> None:
    """The sanitiser in one place: a web link stays a link, nothing else is active."""
    rendered = render_markdown("[ok](https://example.org) [x](javascript:alert(1))")
    assert 'href="https://example.org"' in rendered
    assert "javascript" not in rendered
    assert not active_markup(str(rendered))


def test_counts_for_the_closing_note(capsys) -> None:
    """Prints the stored-XSS counts (run with -s to see them with the rest)."""
    if COUNTS["payloads"]:
        with capsys.disabled():
            print("\nStored XSS:", dict(COUNTS))
    assert len(XSS_PAYLOADS) >= 20
    assert not re.search(r"[\x00-\x08]", "".join(XSS_PAYLOADS))


@pytest.mark.parametrize(
    "payload", XSS_PAYLOADS, ids=[f"xss{n:02d}" for n in range(len(XSS_PAYLOADS))]
)
def test_the_handle_takes_no_payload(client, member, payload: str) -> None:
    """The handle is part of URLs: letters, digits, - and _ only."""
    client.force_login(member)
    handle = member.profile.handle
    data = {
        "handle": payload,
        "visibility": "members",
        "preferred_language": "de",
    }
    response = client.post(reverse("accounts:edit-profile"), data)
    assert response.status_code == 200
    assert "handle" in response.context["form"].errors
    member.profile.refresh_from_db()
    assert member.profile.handle == handle


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_the_attendee_spreadsheet_runs_no_formula(
    client, organizer, make_event, start: str
) -> None:
    """CSV injection: a name like =HYPERLINK(...) stays text in Excel."""
    from accounts.models import Profile
    from tests.conftest import make_user

    event = make_event()
    guest = make_user("formel@example.org")
    Profile.objects.filter(user=guest).update(
        display_name=f'{start}HYPERLINK("https://evil.example","Klick")'
    )
    guest.refresh_from_db()
    event.rsvp(guest)
    client.force_login(organizer)
    response = client.get(
        reverse("events:orga-attendees-csv", kwargs={"slug": event.slug})
    )
    assert response.status_code == 200
    rows = response.content.decode("utf-8-sig").splitlines()
    cells = [cell for row in rows for cell in row.split(";")]
    assert not [c for c in cells if c.lstrip('"').startswith(start)]
    assert any("HYPERLINK" in c for c in cells)
