"""Importing dates from calendars: small files in the shapes real producers write
(tests/events/calendars/), and test calendars that come with icalendar and
recurring-ical-events."""

import http.server
import threading
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from events.importers.ical import (
    CalendarError,
    CalendarOptions,
    import_calendar,
    read_source,
)
from events.models import RSVP, Event, EventStatus, RSVPStatus, Series, Venue
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
CALENDARS = Path(__file__).parent / "calendars"
ICALENDAR_TESTS = Path(icalendar.__file__).parent / "tests" / "calendars"
RECURRING_TESTS = Path(recurring_ical_events.__file__).parent / "test" / "calendars"
WINDOW = {"since": date(2026, 12, 1), "until": date(2027, 12, 31)}


def run(name: str, **options) -> object:
    data = (
        (CALENDARS / name).read_bytes() if "/" not in name else Path(name).read_bytes()
    )
    return import_calendar(data, CalendarOptions(**{**WINDOW, **options}))


def local(event: Event) -> tuple[datetime, datetime]:
    return event.starts_at.astimezone(BERLIN), event.ends_at.astimezone(BERLIN)


def test_google_calendar_utc_and_floating_times_land_in_berlin() -> None:
    report = run("google.ics")
    assert report.count("event", "created") == 2
    january = Event.objects.get(ical_uid="0a1b2c3d4e5f@google.com")
    # 18:00 UTC in January is 19:00 in Berlin.
    assert local(january) == (
        datetime(2027, 1, 26, 19, tzinfo=BERLIN),
        datetime(2027, 1, 26, 22, tzinfo=BERLIN),
    )
    # Google's floating times mean the calendar's X-WR-TIMEZONE.
    february = Event.objects.get(ical_uid="9f8e7d6c5b4a@google.com")
    assert local(february)[0] == datetime(2027, 2, 23, 19, tzinfo=BERLIN)
    assert january.status == EventStatus.DRAFT
    # Its HTML description is plain text now, the link written out.
    assert january.description == (
        "Motto: LinkedIn für Einsteiger\nMehr unter example.org "
        "(https://example.org/januar)"
    )
    venue = january.venue
    assert (venue.name, venue.street, venue.postcode, venue.city) == (
        "La Sall",
        "Sallstraße 1",
        "30171",
        "Hannover",
    )
    assert float(venue.latitude) == 52.365
    # "La Sall" alone finds the same venue.
    assert february.venue == venue
    assert Venue.objects.count() == 1


def test_nextcloud_series_expands_with_exdate_and_a_moved_date() -> None:
    report = run("nextcloud.ics")
    events = list(Event.objects.order_by("starts_at"))
    starts = [local(e)[0] for e in events]
    assert starts == [
        datetime(2027, 1, 26, 19, tzinfo=BERLIN),
        datetime(2027, 2, 23, 19, tzinfo=BERLIN),
        # 30 March is excluded (EXDATE); 27 April moved to the 29th, 19:30.
        datetime(2027, 4, 29, 19, 30, tzinfo=BERLIN),
        datetime(2027, 5, 25, 19, tzinfo=BERLIN),
        datetime(2027, 6, 29, 19, tzinfo=BERLIN),
    ]
    # Summer time: still 19:00 on the wall clock, one hour less in UTC.
    assert events[4].starts_at.utcoffset() == timedelta(0)
    assert events[4].starts_at.hour == 17
    assert events[2].title == "#SoMe Stammtisch (verschoben)"
    assert events[2].ical_uid == "stammtisch-monthly@nextcloud.example/20270427T170000Z"
    assert len({e.ical_uid for e in events}) == 5
    assert report.count("event", "created") == 5


def test_outlook_windows_time_zone_names_are_understood() -> None:
    run("outlook.ics")
    event = Event.objects.get()
    assert local(event) == (
        datetime(2027, 6, 29, 18, tzinfo=BERLIN),
        datetime(2027, 6, 29, 23, tzinfo=BERLIN),
    )
    assert event.venue.name == "Biergarten am Lindener Berg"


def test_meetup_feed_with_a_cancelled_date(make_event) -> None:
    report = run("meetup.ics", status=EventStatus.PUBLISHED)
    october = Event.objects.get(ical_uid="event_300000001@meetup.com")
    november = Event.objects.get(ical_uid="event_300000002@meetup.com")
    assert october.status == EventStatus.PUBLISHED and october.published_at
    assert november.status == EventStatus.CANCELLED
    # Meetup's "La Sall (Sallstraße 1, …)" is the venue the site knows.
    assert october.venue == make_event().venue
    assert "TikTok" in october.description
    assert report.count("venue", "created") == 0
    assert Venue.objects.count() == 1


def test_all_day_entries_last_from_midnight_to_midnight_bad_ones_are_skipped() -> None:
    report = run("allday.ics")
    barcamp = Event.objects.get(ical_uid="barcamp-2027@example.org")
    assert local(barcamp) == (
        datetime(2027, 9, 25, 0, tzinfo=BERLIN),
        datetime(2027, 9, 27, 0, tzinfo=BERLIN),
    )
    holiday = Event.objects.get(ical_uid="no-end-2027@example.org")
    assert local(holiday)[1] == datetime(2027, 10, 4, 0, tzinfo=BERLIN)
    assert report.count("event", "skipped") == 1
    with translation.override("en"):
        assert run("allday.ics").skip_reasons("event")[0][1] == (
            "the entry has no readable start"
        )


def test_importing_again_changes_nothing_and_a_changed_entry_updates_its_date(
    tmp_path,
) -> None:
    run("nextcloud.ics")
    before = list(Event.objects.values_list("pk", "ical_uid", "updated_at", "sequence"))
    again = run("nextcloud.ics")
    assert again.count("event", "unchanged") == 5
    assert again.count("event", "created") == again.count("event", "updated") == 0
    assert list(
        Event.objects.values_list("pk", "ical_uid", "updated_at", "sequence")
    ) == (before)
    moved = (
        (CALENDARS / "nextcloud.ics")
        .read_text()
        .replace("20270429T193000", "20270429T200000")
    )
    (tmp_path / "moved.ics").write_text(moved)
    report = run(str(tmp_path / "moved.ics"))
    assert report.count("event", "updated") == 1
    event = Event.objects.get(ical_uid__endswith="/20270427T170000Z")
    assert local(event)[0] == datetime(2027, 4, 29, 20, tzinfo=BERLIN)
    assert event.sequence == 1  # calendar apps see the change
    assert Event.objects.count() == 5


def test_a_cancellation_in_the_feed_cancels_the_date_and_tells_those_going(
    tmp_path, django_capture_on_commit_callbacks
) -> None:
    run("meetup.ics", status=EventStatus.PUBLISHED)
    october = Event.objects.get(ical_uid="event_300000001@meetup.com")
    member = make_user("lea@example.org", name="Lea")
    RSVP.objects.create(event=october, member=member, status=RSVPStatus.GOING)
    mail.outbox.clear()
    cancelled = (
        (CALENDARS / "meetup.ics")
        .read_text()
        .replace("STATUS:CONFIRMED", "STATUS:CANCELLED")
    )
    (tmp_path / "cancelled.ics").write_text(cancelled)
    with django_capture_on_commit_callbacks(execute=True):
        report = run(str(tmp_path / "cancelled.ics"))
    october.refresh_from_db()
    assert october.status == EventStatus.CANCELLED
    assert report.count("event", "updated") == 1
    assert [m.to for m in mail.outbox] == [["lea@example.org"]]


def test_dry_run_saves_nothing() -> None:
    report = run("google.ics", dry_run=True)
    assert report.count("event", "created") == 2
    assert not Event.objects.exists()
    assert not Venue.objects.exists()


def test_series_default_venue_and_capacity_apply(venue) -> None:
    series = Series.objects.create(
        name="#SoMe Stammtisch", slug="some", default_venue=venue, default_capacity=25
    )
    data = (RECURRING_TESTS / "each_week_but_one_deleted.ics").read_bytes()
    report = import_calendar(
        data,
        CalendarOptions(series=series, since=date(2019, 3, 1), until=date(2019, 5, 1)),
    )
    events = Event.objects.all()
    # Eight weeks, one of them deleted with EXDATE.
    assert report.count("event", "created") == events.count() == 7
    assert {(e.series, e.venue, e.capacity) for e in events} == {(series, venue, 25)}


def test_without_any_place_the_date_is_skipped_with_the_reason() -> None:
    data = (RECURRING_TESTS / "each_week_but_one_deleted.ics").read_bytes()
    report = import_calendar(
        data, CalendarOptions(since=date(2019, 3, 1), until=date(2019, 5, 1))
    )
    assert report.count("event", "skipped") == 7
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("path", "count"),
    [
        (RECURRING_TESTS / "issue_62_moved_event.ics", None),
        (RECURRING_TESTS / "x_wr_timezone_simple_events_issue_59.ics", 2),
        (RECURRING_TESTS / "issue_18_cancel_status.ics", None),
        (RECURRING_TESTS / "fablab_cottbus.ics", None),
        (ICALENDAR_TESTS / "timezoned.ics", None),
        (ICALENDAR_TESTS / "america_new_york.ics", None),
    ],
)
def test_real_world_calendars_import_whole_and_again_unchanged(
    path, count, venue
) -> None:
    options = CalendarOptions(
        since=date(2000, 1, 1), until=date(2030, 12, 31), venue=venue
    )
    data = path.read_bytes()
    first = import_calendar(data, options)
    assert first.ok, first.error
    assert first.count("event", "failed") == 0
    created = first.count("event", "created")
    assert created == Event.objects.count() > 0
    if count is not None:
        assert created == count
    for event in Event.objects.all():
        assert event.ends_at > event.starts_at
        assert event.ical_uid
    second = import_calendar(data, options)
    assert second.count("event", "unchanged") == created


def test_x_wr_timezone_calendar_from_the_library_is_read_in_its_zone(venue) -> None:
    data = (RECURRING_TESTS / "x_wr_timezone_simple_events_issue_59.ics").read_bytes()
    import_calendar(
        data,
        CalendarOptions(since=date(2021, 12, 1), until=date(2022, 1, 1), venue=venue),
    )
    # "Google Calendar says this is noon to 1PM" (in its calendar's zone).
    noon = Event.objects.get(title__startswith="Google Calendar says this is noon")
    assert noon.starts_at.astimezone(ZoneInfo("America/New_York")).hour == 12


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a calendar file"),
        (b"<html>Not found</html>", "not a calendar file"),
        ((CALENDARS / "broken.ics").read_bytes(), "broken"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n", "broken"),
        ((ICALENDAR_TESTS / "big_bad_calendar.ics").read_bytes(), None),
        ((ICALENDAR_TESTS / "small_bad_calendar.ics").read_bytes(), None),
        ((ICALENDAR_TESTS / "broken_ical.ics").read_bytes(), None),
        ((ICALENDAR_TESTS / "issue_104_broken_calendar.ics").read_bytes(), None),
    ],
)
def test_a_broken_calendar_gives_a_clear_report_and_never_a_half_import(
    data, message, venue
) -> None:
    with translation.override("en"):
        report = import_calendar(
            data,
            CalendarOptions(
                since=date(2000, 1, 1), until=date(2030, 1, 1), venue=venue
            ),
        )
    if message is not None:
        assert not report.ok
        assert message in report.error
    if not report.ok:
        assert not Event.objects.exists()
    else:
        # What could be read is reported item by item; nothing failed half way.
        assert report.count("event", "failed") == 0
        assert Event.objects.count() == report.count("event", "created")


def test_a_rule_that_repeats_for_ever_is_refused_as_a_whole(venue, tmp_path) -> None:
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:daily@example.org\r\n"
        b"DTSTART:20270101T180000Z\r\nDTEND:20270101T200000Z\r\nRRULE:FREQ=DAILY\r\n"
        b"SUMMARY:Jeden Tag\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with translation.override("en"):
        report = import_calendar(
            data,
            CalendarOptions(
                since=date(2027, 1, 1), until=date(2029, 1, 1), venue=venue
            ),
        )
    assert "more than 500 dates" in report.error
    assert not Event.objects.exists()


# The command and fetching ---------------------------------------------------------


class _Calendar(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (CALENDARS / "google.ics").read_bytes()
        if self.path != "/calendar.ics":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def calendar_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Calendar)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_command_fetches_a_feed_and_imports_it(calendar_server, venue) -> None:
    Series.objects.create(name="#SoMe", slug="some")
    out = StringIO()
    call_command(
        "import_ical",
        f"{calendar_server}/calendar.ics",
        "--series=some",
        "--publish",
        "--since=2026-12-01",
        "--until=2027-12-31",
        stdout=out,
    )
    assert (
        Event.objects.filter(status=EventStatus.PUBLISHED, series__slug="some").count()
        == 2
    )
    with pytest.raises(CalendarError, match="Not Found"):
        read_source(f"{calendar_server}/missing.ics")
    with pytest.raises(CommandError):
        call_command("import_ical", "/no/such/file.ics", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "import_ical",
            str(CALENDARS / "google.ics"),
            "--series=nope",
            stdout=StringIO(),
        )
