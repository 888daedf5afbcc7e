"""iCalendar (RFC 5545) export of events, for single downloads and feeds."""

from collections.abc import Iterable
from datetime import UTC, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from events.models import Event, EventStatus
from somehub.lib.text import one_line

PRODID = "-//SoMeHub//#SoMe Stammtisch Hannover//DE"
BERLIN = ZoneInfo("Europe/Berlin")


def webcal_url(path: str) -> str:
    """The address a calendar app subscribes to for the feed at `path`: the site's
    host from SITE_URL (never the request's Host header), scheme webcal."""
    return f"webcal://{urlsplit(settings.SITE_URL).netloc}{path}"


def _description(event: Event, url: str, online: bool = False) -> str:
    parts = [event.motto, event.description.strip(), url]
    if online:
        parts.insert(0, f"Online: {event.online_url}")
    if event.is_cancelled:
        parts.insert(
            0,
            "ABGESAGT / CANCELLED"
            + (f": {event.cancellation_reason}" if event.cancellation_reason else ""),
        )
    return "\n\n".join(p for p in parts if p)


def event_component(event: Event, online: bool = False) -> icalendar.Event:
    """The calendar entry; with `online`, for a member with an online place, it
    carries the evening's online link (never in a calendar for anyone else)."""
    online = online and event.has_online and bool(event.online_url)
    url = settings.SITE_URL + event.get_absolute_url()
    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("dtstamp", event.updated_at or timezone.now())
    item.add("sequence", event.sequence)
    item.add("dtstart", timezone.localtime(event.starts_at, BERLIN))
    item.add("dtend", timezone.localtime(event.ends_at, BERLIN))
    summary = event.title + (f": {event.motto}" if event.motto else "")
    # One-line properties: a line break would end the content line (injection).
    item.add("summary", one_line(summary))
    item.add("description", _description(event, url, online))
    item.add("url", url)
    venue = event.venue
    location = ", ".join(p for p in [venue.name, venue.address_line] if p)
    if not event.has_in_person:
        location = event.online_url if online else "Online"
    elif event.has_online:
        location += " + Online"
    item.add("location", one_line(location))
    if online:
        # RFC 7986: calendar apps show a "join" button for it.
        item.add(
            "conference",
            event.online_url,
            parameters={"VALUE": "URI", "FEATURE": "AUDIO,VIDEO"},
        )
    if (
        event.has_in_person
        and venue.latitude is not None
        and venue.longitude is not None
    ):
        item.add("geo", (float(venue.latitude), float(venue.longitude)))
    item.add(
        "status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED"
    )
    item.add("transp", "OPAQUE")
    return item


def build_calendar(
    events: Iterable[Event], name: str, online_for: Iterable[int] = ()
) -> bytes:
    """A calendar of these evenings; its VTIMEZONE comes from the tz database
    (icalendar), covering the evenings and a year beyond the last one. The
    evenings named in `online_for` (by id) carry their online link: only for a
    member with an online place there."""
    events = list(events)
    online_ids = set(online_for)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", one_line(name))
    cal.add("x-wr-timezone", "Europe/Berlin")
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for event in events:
        cal.add_component(event_component(event, online=event.pk in online_ids))
    if events:
        first = min(timezone.localtime(e.starts_at, BERLIN).date() for e in events)
        last = max(timezone.localtime(e.ends_at, BERLIN).date() for e in events)
        cal.add_missing_timezones(
            first_date=first - timedelta(days=1), last_date=last + timedelta(days=366)
        )
    return cal.to_ical()


# "Add to calendar" links for web calendars: plain links that open the calendar with
# the evening filled in. Nothing is loaded from these sites; only a visitor who
# clicks goes there.


def _web_calendar_fields(event: Event) -> dict[str, str]:
    venue = event.venue
    return {
        "title": event.title + (f": {event.motto}" if event.motto else ""),
        "details": "\n\n".join(
            p for p in [event.motto, settings.SITE_URL + event.get_absolute_url()] if p
        ),
        "location": ", ".join(p for p in [venue.name, venue.address_line] if p)
        if event.has_in_person
        else "Online",
    }


def google_calendar_url(event: Event) -> str:
    fields = _web_calendar_fields(event)
    utc = "%Y%m%dT%H%M%SZ"
    start = event.starts_at.astimezone(UTC).strftime(utc)
    end = event.ends_at.astimezone(UTC).strftime(utc)
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": fields["title"],
            "dates": f"{start}/{end}",
            "details": fields["details"],
            "location": fields["location"],
            "ctz": "Europe/Berlin",
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def outlook_calendar_url(event: Event, host: str = "outlook.live.com") -> str:
    """Outlook on the web: outlook.live.com for personal accounts,
    outlook.office.com for work accounts (Microsoft 365)."""
    fields = _web_calendar_fields(event)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    query = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": fields["title"],
            "startdt": event.starts_at.astimezone(UTC).strftime(iso),
            "enddt": event.ends_at.astimezone(UTC).strftime(iso),
            "body": fields["details"],
            "location": fields["location"],
        }
    )
    return f"https://{host}/calendar/0/action/compose?{query}"
