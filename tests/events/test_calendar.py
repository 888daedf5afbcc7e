"""iCalendar export: single events and the subscribable feed, read back by icalendar."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus
from tests.conftest import berlin

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def vevents(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return [c for c in cal.walk("VEVENT")]


def test_single_event_ics_is_valid_and_complete(client, make_event):
    event = make_event(starts_at=berlin(2030, 3, 26, 19), motto="Impuls: Reels")
    response = client.get(reverse("events:ics", args=[event.slug]))
    assert "attachment" in response["Content-Disposition"]
    cal = parse(response)
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"]
    (item,) = vevents(cal)
    assert str(item["UID"]) == event.uid
    assert item["SUMMARY"].endswith("Impuls: Reels")
    assert item.decoded("DTSTART") == berlin(2030, 3, 26, 19)
    assert item.decoded("DTEND") == berlin(2030, 3, 26, 22)
    assert item["STATUS"] == "CONFIRMED"
    assert "La Sall" in item["LOCATION"]
    assert item["URL"].endswith(event.get_absolute_url())
    assert int(item["SEQUENCE"]) == 0
    assert "DTSTAMP" in item
    (tz,) = cal.walk("VTIMEZONE")
    assert tz["TZID"] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("start", "utc_hour"),
    [
        (datetime(2030, 4, 2, 19), 17),  # after the switch on 31 March: UTC+2
        (datetime(2030, 3, 26, 19), 18),  # before it: UTC+1
        (datetime(2030, 10, 22, 19), 17),  # before the switch back on 27 October
        (datetime(2030, 10, 29, 19), 18),  # after it
    ],
)
def test_19_oclock_stays_19_oclock_across_dst(client, make_event, start, utc_hour):
    event = make_event(starts_at=start.replace(tzinfo=BERLIN))
    (item,) = vevents(parse(client.get(reverse("events:ics", args=[event.slug]))))
    assert "TZID=Europe/Berlin:" in item.to_ical().decode()
    dtstart = item.decoded("DTSTART")
    assert dtstart.astimezone(BERLIN).hour == 19
    assert dtstart.astimezone(ZoneInfo("UTC")).hour == utc_hour


def test_the_vtimezone_from_the_tz_database_gives_the_right_offsets(client, make_event):
    """Apps that read the VTIMEZONE itself (Apple Calendar, khal) rather than
    knowing "Europe/Berlin" get both DST changes right, through the year after."""
    make_event(starts_at=berlin(2030, 3, 26, 19))
    make_event(starts_at=berlin(2030, 10, 29, 19))
    (vtimezone,) = parse(client.get(reverse("events:calendar-feed"))).walk("VTIMEZONE")
    tz = vtimezone.to_tz()
    for moment, hours in (
        (datetime(2030, 3, 26, 19), 1),
        (datetime(2030, 4, 2, 19), 2),
        (datetime(2030, 10, 22, 19), 2),
        (datetime(2030, 10, 29, 19), 1),
        (datetime(2031, 7, 1, 19), 2),
        (datetime(2031, 12, 1, 19), 1),
    ):
        assert moment.replace(tzinfo=tz).utcoffset() == timedelta(hours=hours), moment


def test_uid_is_stable_and_sequence_grows_when_the_event_changes(client, make_event):
    event = make_event()
    url = reverse("events:ics", args=[event.slug])
    (before,) = vevents(parse(client.get(url)))
    event.reschedule(
        starts_at=event.starts_at + timedelta(hours=1),
        ends_at=event.ends_at + timedelta(hours=1),
    )
    event.title = "Neuer Titel"
    event.revise(["title"])
    (after,) = vevents(parse(client.get(url)))
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_cancelled_event_is_marked_cancelled(client, make_event):
    event = make_event()
    event.cancel("Krankheit")
    (item,) = vevents(parse(client.get(reverse("events:ics", args=[event.slug]))))
    assert item["STATUS"] == "CANCELLED"
    assert int(item["SEQUENCE"]) == 1


def test_feed_lists_published_dates_but_no_drafts(client, make_event):
    published = make_event()
    cancelled = make_event(status=EventStatus.CANCELLED)
    draft = make_event(status=EventStatus.DRAFT)
    old = make_event(starts_at=timezone.now() - timedelta(days=365))
    cal = parse(client.get(reverse("events:calendar-feed")))
    uids = {str(item["UID"]) for item in vevents(cal)}
    assert published.uid in uids and cancelled.uid in uids
    assert draft.uid not in uids and old.uid not in uids
    assert cal["X-WR-CALNAME"]
    assert len(cal.walk("VTIMEZONE")) == 1


def test_feed_query_count_is_fixed(client, make_event, django_assert_max_num_queries):
    for _ in range(30):
        make_event()
    with django_assert_max_num_queries(2):
        client.get(reverse("events:calendar-feed"))


def test_home_offers_webcal_subscription(client, make_event):
    make_event()
    html = client.get("/").content.decode()
    assert f'href="{webcal_feed()}"' in html


def webcal_feed() -> str:
    """The calendar subscription link: on the site's own address (SITE_URL)."""
    return "webcal://" + settings.SITE_URL.split("://", 1)[-1] + "/events/calendar.ics"
