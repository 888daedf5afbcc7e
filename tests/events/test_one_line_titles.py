"""A line break or a bare CR in a title never reaches a calendar file or a feed raw:
titles are kept as one line, and the calendar and feeds write one line anyway."""

from xml.etree import ElementTree

import icalendar
import pytest
from django.test import Client

from events.calendar import build_calendar
from events.models import Event, Recap

pytestmark = pytest.mark.django_db

BREAKS = ["Stamm\ntisch", "Stamm\rtisch", "Stamm\r\ntisch", "Stamm\u2028tisch"]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("title", BREAKS)
def test_a_title_with_a_line_break_is_stored_as_one_line(make_event, title) -> None:
    event = make_event(title=title, motto="Motto\nzwei")
    event.refresh_from_db()
    assert event.title == "Stamm tisch"
    assert event.motto == "Motto zwei"


@pytest.mark.parametrize("title", BREAKS)
def test_calendar_files_stay_valid_with_old_titles_that_have_breaks(
    make_event, title
) -> None:
    """Rows written before the fix (or by SQL) still give a valid, one-line file."""
    event = make_event()
    Event.objects.filter(pk=event.pk).update(title=title)
    for path in (f"{event.get_absolute_url()}calendar.ics", "/events/calendar.ics"):
        response = Client().get(path)
        assert response.status_code == 200, path
        lines = response.content.split(b"\r\n")
        assert not any(b"\r" in line or b"\n" in line for line in lines), path
        calendar = icalendar.Calendar.from_ical(response.content)
        (vevent,) = calendar.walk("VEVENT")
        assert str(vevent["SUMMARY"]).startswith("Stamm tisch")
    raw = build_calendar([Event.objects.get(pk=event.pk)], title)
    assert b"X-WR-CALNAME:Stamm tisch\r\n" in raw


def test_feeds_show_titles_on_one_line(make_event, organizer) -> None:
    event = make_event()
    Event.objects.filter(pk=event.pk).update(title="Erste\r\nZeile")
    feed = ElementTree.fromstring(Client().get("/events/feed/").content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert titles and all("\n" not in t and "\r" not in t for t in titles)
    assert titles[0].startswith("Erste Zeile")


def test_the_atom_summary_of_an_event_without_description_is_escaped(
    make_event,
) -> None:
    """type="html": a title with markup must arrive as text, not as live HTML."""
    payload = '<img src=x onerror="alert(1)">'
    make_event(title=payload, motto="", description="")
    feed = ElementTree.fromstring(Client().get("/events/feed/").content)
    (summary,) = [e.find(f"{ATOM}summary") for e in feed.iter(f"{ATOM}entry")]
    assert summary.get("type") == "html"
    # What a feed reader renders as HTML is the element's text: escaped markup.
    assert "<img" not in summary.text
    assert "&lt;img" in summary.text


def test_recap_titles_in_the_feed_are_one_line(make_event, organizer) -> None:
    from tests.events.recap_support import make_recap, past_event

    recap = make_recap(past_event(make_event), author=organizer)
    Recap.objects.filter(pk=recap.pk).update(title="Rück\nblick")
    feed = ElementTree.fromstring(Client().get("/recaps/feed/").content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert "Rück blick" in titles
