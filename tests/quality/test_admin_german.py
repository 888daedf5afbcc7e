"""The Orga-Team's admin reads German throughout: Django's own strings (those its
German catalogue lacks in 6.1 come from the site's catalogue), our own, the log's
messages and the JavaScript of the date pickers. The test walks the admin pages
in German and fails on any English string a catalogue knows a German one for."""

import html
import re
from pathlib import Path

import django
import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from events.models import Comment, Venue
from tests.events.orga_support import answer, make_orga, make_superuser
from tests.events.recap_support import comment, make_recap, past_event
from tests.quality.test_translations import read_po

pytestmark = pytest.mark.django_db
DE = {"accept-language": "de"}
DJANGO = Path(django.__file__).parent
CATALOGUES = [
    DJANGO / "contrib/admin/locale/de/LC_MESSAGES/django.po",
    DJANGO / "contrib/auth/locale/de/LC_MESSAGES/django.po",
    DJANGO / "conf/locale/de/LC_MESSAGES/django.po",
    Path(__file__).parents[2] / "locale/de/LC_MESSAGES/django.po",
]
# What the organizer saw in English (and Django's catalogue lacked).
SEEN_IN_ENGLISH = [
    "- Select an option -",
    ">Run<",
    "Search ",
    "Are you sure you want to delete",
    "Hid comment",
    "Showed comment again",
    "Closed comments",
    "Description geändert",
    "Capacity geändert",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def english_phrases() -> set[str]:
    """Literal pieces of msgids (three words or more) whose German differs."""
    phrases = set()
    for path in CATALOGUES:
        for entry in read_po(path):
            if not entry.translated or entry.msgstr[0] == entry.msgid:
                continue
            for piece in PLACEHOLDER.split(entry.msgid):
                piece = piece.strip(" .,:;“”\"'()")
                if len(piece.split()) >= 3 and "<" not in piece:
                    phrases.add(piece)
    return phrases


def visible_text(page: str) -> str:
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r'(?:value|title|placeholder|aria-label)="([^"]*)"', r" \1 ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def admin_pages(make_event, member, stranger, venue) -> list[str]:
    event = make_event(title="Südstadt-Abend")
    answer(event, member)
    recap = make_recap(past_event(make_event))
    said = comment(recap, member, "Schön war's")
    said.report(stranger, "Test")
    orga = make_orga()
    said.hide(by=orga)
    recap.close_comments(by=orga)
    LogEntry.objects.log_actions(
        orga.pk,
        [event],
        CHANGE,
        change_message='[{"changed": {"fields": ["Description", "Capacity"]}}]',
    )
    spare = Venue.objects.create(name="Leere Kneipe")
    ct = ContentType.objects.get_for_model(Comment)
    assert ct
    return [
        reverse("admin:index"),
        reverse("admin:events_event_changelist"),
        reverse("admin:events_event_change", args=[event.pk]),
        reverse("admin:events_event_add"),
        reverse("admin:events_event_reschedule", args=[event.pk]),
        reverse("admin:events_series_add"),
        reverse("admin:events_comment_changelist"),
        reverse("admin:events_comment_change", args=[said.pk]),
        reverse("admin:events_recap_change", args=[recap.pk]),
        reverse("admin:admin_logentry_changelist"),
        reverse("admin:events_venue_delete", args=[spare.pk]),
        reverse("admin:accounts_user_change", args=[member.pk]),
        reverse("admin:accounts_profile_changelist"),
    ]


def test_the_admin_pages_have_no_english_in_german(client, admin_pages) -> None:
    client.force_login(make_superuser())
    phrases = english_phrases()
    found = []
    for url in admin_pages:
        response = client.get(url, headers=DE)
        assert response.status_code == 200, url
        page = response.content.decode()
        text = visible_text(page)
        found += [(url, s) for s in SEEN_IN_ENGLISH if s in page or s in text]
        found += [(url, p) for p in phrases if p in text]
    assert not found, found


def test_the_admins_javascript_speaks_german(client) -> None:
    client.force_login(make_superuser())
    with translation.override("de"):
        catalog = client.get(reverse("admin:jsi18n"), headers=DE).content.decode()
    assert "Gib Zeiten in der Zeitzone" in catalog
    assert "Heute (%(date)s)" in catalog
    assert "Ausf\\u00fchren" in catalog or "Ausführen" in catalog


def test_log_messages_read_german(client) -> None:
    orga = make_orga()
    client.force_login(orga)
    LogEntry.objects.log_actions(
        orga.pk,
        [Venue.objects.create(name="X")],
        CHANGE,
        change_message='[{"changed": {"fields": ["Description", "Capacity"]}}]',
    )
    page = client.get(reverse("admin:admin_logentry_changelist"), headers=DE)
    text = visible_text(page.content.decode())
    assert "Beschreibung und Plätze geändert" in text
