"""A series' rule: "every last Tuesday of the month, 19:00 to 22:00", across daylight
saving time and month ends, in words, and as drafts."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from events.models import Event, EventStatus, Series, Weekday, WeekOfMonth

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
UTC = UTC


def series_with(venue=None, **rule) -> Series:
    fields = {
        "weekday": Weekday.TUESDAY,
        "week_of_month": WeekOfMonth.LAST,
        "start_time": time(19, 0),
        "end_time": time(22, 0),
        "default_capacity": 20,
    }
    fields.update(rule)
    return Series.objects.create(
        name="#SoMe Stammtisch Hannover", slug="some", default_venue=venue, **fields
    )


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The expected day, worked out with the calendar module instead of dateutil."""
    days = [
        week[weekday]
        for week in calendar.monthcalendar(year, month)
        if week[weekday] != 0
    ]
    return date(year, month, days[n - 1] if n > 0 else days[n])


def test_last_tuesday_of_each_month_for_a_year_at_1900_berlin() -> None:
    series = series_with()
    after = datetime(2026, 12, 31, 23, 0, tzinfo=BERLIN)
    dates = series.next_dates(12, after=after)
    expected = [nth_weekday(2027, m, calendar.TUESDAY, -1) for m in range(1, 13)]
    assert [d.starts_at.date() for d in dates] == expected
    assert [d.starts_at.astimezone(BERLIN).time() for d in dates] == [time(19)] * 12
    assert all(d.ends_at - d.starts_at == timedelta(hours=3) for d in dates)
    # Months with five Tuesdays take the fifth; February 2027 ends on a Sunday.
    assert [d.starts_at.date() for d in dates][2] == date(2027, 3, 30)
    assert [d.starts_at.date() for d in dates][1] == date(2027, 2, 23)


def test_wall_clock_stays_1900_across_daylight_saving_time() -> None:
    series = series_with()
    dates = series.next_dates(12, after=datetime(2027, 1, 1, tzinfo=BERLIN))
    utc_hours = {d.starts_at.date(): d.starts_at.astimezone(UTC).hour for d in dates}
    # Winter (CET, UTC+1): 18:00 UTC; summer (CEST, UTC+2): 17:00 UTC.
    assert utc_hours[date(2027, 2, 23)] == 18
    assert utc_hours[date(2027, 3, 30)] == 17  # two days after the change on 28 March
    assert utc_hours[date(2027, 7, 27)] == 17
    assert utc_hours[date(2027, 10, 26)] == 17  # the clocks go back on 31 October
    assert utc_hours[date(2027, 11, 30)] == 18


def test_last_and_fourth_differ_in_months_with_five_tuesdays() -> None:
    last = series_with()
    fourth = Series(
        name="Vierter",
        slug="vierter",
        weekday=Weekday.TUESDAY,
        week_of_month=WeekOfMonth.FOURTH,
        start_time=time(19),
        end_time=time(22),
    )
    after = datetime(2026, 12, 31, tzinfo=BERLIN)
    pairs = zip(last.next_dates(12, after), fourth.next_dates(12, after), strict=True)
    for a, b in pairs:
        month = a.starts_at.month
        tuesdays = sum(1 for w in calendar.monthcalendar(2027, month) if w[1])
        if tuesdays == 5:
            assert a.starts_at.day - b.starts_at.day == 7, month
        else:
            assert a.starts_at == b.starts_at, month
    # March, June and August 2027 have five Tuesdays.
    assert nth_weekday(2027, 3, calendar.TUESDAY, -1) == date(2027, 3, 30)


@pytest.mark.parametrize(
    ("week", "weekday", "expected"),
    [
        (WeekOfMonth.FIRST, Weekday.MONDAY, date(2027, 2, 1)),
        (WeekOfMonth.SECOND, Weekday.WEDNESDAY, date(2027, 2, 10)),
        (WeekOfMonth.THIRD, Weekday.THURSDAY, date(2027, 2, 18)),
        (WeekOfMonth.LAST, Weekday.SUNDAY, date(2027, 2, 28)),
        (WeekOfMonth.LAST, Weekday.FRIDAY, date(2027, 2, 26)),
    ],
)
def test_each_position_in_the_month(week, weekday, expected) -> None:
    series = series_with(week_of_month=week, weekday=weekday)
    (first,) = series.next_dates(1, after=datetime(2027, 1, 31, 23, tzinfo=BERLIN))
    assert first.starts_at.date() == expected


def test_an_evening_that_has_started_is_not_next_any_more() -> None:
    series = series_with()
    started = datetime(
        2027, 1, 26, 19, 30, tzinfo=BERLIN
    )  # the last Tuesday of January
    assert series.next_dates(1, after=started)[0].starts_at.date() == date(2027, 2, 23)
    before = datetime(2027, 1, 26, 18, 59, tzinfo=BERLIN)
    assert series.next_dates(1, after=before)[0].starts_at.date() == date(2027, 1, 26)


def test_end_before_start_means_past_midnight() -> None:
    series = series_with(start_time=time(20), end_time=time(1))
    (d,) = series.next_dates(1, after=datetime(2027, 1, 1, tzinfo=BERLIN))
    assert d.ends_at - d.starts_at == timedelta(hours=5)
    assert d.ends_at.astimezone(BERLIN).date() == date(2027, 1, 27)


def test_without_a_rule_there_are_no_dates() -> None:
    series = Series.objects.create(name="Frei", slug="frei")
    assert not series.has_rule
    assert series.next_dates(3) == []
    assert series.recurrence_text == ""


def test_rule_in_words_german_and_english() -> None:
    series = series_with()
    with translation.override("en"):
        assert (
            series.recurrence_text
            == "every last Tuesday of the month, 7 p.m.\N{EN DASH}10 p.m."
        )
    with translation.override("de"):
        text = series.recurrence_text
    # The German wording comes from the catalogue; the times read 19:00 and 22:00.
    assert "19:00" in text and "22:00" in text


def test_half_a_rule_is_refused_by_the_form_check_and_the_database() -> None:
    series = Series(name="Halb", slug="halb", weekday=Weekday.TUESDAY)
    with pytest.raises(ValidationError) as error:
        series.full_clean()
    assert {"week_of_month", "start_time", "end_time"} <= set(error.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        series.save()


def test_start_equal_to_end_is_refused() -> None:
    series = Series(
        name="Null",
        slug="null",
        weekday=1,
        week_of_month=1,
        start_time=time(19),
        end_time=time(19),
    )
    with pytest.raises(ValidationError):
        series.full_clean()


# Drafts --------------------------------------------------------------------------


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_generate_drafts_creates_the_next_dates_as_drafts(venue) -> None:
    series = series_with(venue)
    drafts = series.generate_drafts(3)
    assert [e.starts_at.astimezone(BERLIN) for e in drafts] == [
        datetime(2026, 12, 29, 19, tzinfo=BERLIN),
        datetime(2027, 1, 26, 19, tzinfo=BERLIN),
        datetime(2027, 2, 23, 19, tzinfo=BERLIN),
    ]
    for event in drafts:
        event.refresh_from_db()
        assert event.status == EventStatus.DRAFT
        assert event.venue == venue and event.capacity == 20
        assert event.series == series and event.title == series.name
        assert event.ends_at - event.starts_at == timedelta(hours=3)


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_generate_drafts_skips_days_that_already_have_a_date(venue, make_event) -> None:
    series = series_with(venue)
    # A published date on the same day, at another time: still that day's evening.
    make_event(series=series, starts_at=datetime(2027, 1, 26, 20, tzinfo=BERLIN))
    created = series.generate_drafts(3)
    assert [e.starts_at.date() for e in created] == [
        date(2026, 12, 29),
        date(2027, 2, 23),
    ]
    assert series.generate_drafts(3) == []  # safe to run again
    assert Event.objects.filter(series=series).count() == 3


def test_generate_drafts_needs_a_rule_and_a_venue(venue) -> None:
    no_rule = Series.objects.create(name="Frei", slug="frei", default_venue=venue)
    with pytest.raises(ValidationError):
        no_rule.generate_drafts(2)
    no_venue = series_with()
    with pytest.raises(ValidationError):
        no_venue.generate_drafts(2)
    assert not Event.objects.exists()


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_create_next_draft_follows_the_latest_date_of_the_series(
    venue, make_event
) -> None:
    series = series_with(venue)
    make_event(series=series, starts_at=datetime(2027, 3, 30, 19, tzinfo=BERLIN))
    event = series.create_next_draft()
    assert event.starts_at == datetime(2027, 4, 27, 19, tzinfo=BERLIN)
    assert event.status == EventStatus.DRAFT
