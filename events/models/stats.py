"""The simple numbers on the Orga-Team's dashboard, each in one query.

Fill rate: going / capacity. Attendance: members checked in. No-show rate: members
going who were not checked in, as a share of those going; only for evenings where
the door list was used at all, since without check-ins everyone would be a no-show.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, OuterRef
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.models import Field, Profile, User
from events.models.event import Event, EventQuerySet, EventStatus
from events.models.rsvp import RSVP, RSVPStatus
from somehub.lib.queries import count_per_row

UPCOMING_SHOWN = 5
PAST_SHOWN = 6
GROWTH_MONTHS = 12


def percent(part: int, whole: int | None) -> int | None:
    """part of whole in whole per cent, or None where there is no whole."""
    if not whole:
        return None
    return round(100 * part / whole)


def with_attendance(events: EventQuerySet) -> EventQuerySet:
    """Annotate `checked_in_count` and `no_show_count` (subqueries, not one per row)."""
    rsvps = RSVP.objects.filter(event=OuterRef("pk"))
    counts = {  # (declared on Event, for the type checker)
        "checked_in_count": Coalesce(
            count_per_row(rsvps.filter(checked_in_at__isnull=False), "event"), 0
        ),
        "no_show_count": Coalesce(
            count_per_row(
                rsvps.filter(status=RSVPStatus.GOING, checked_in_at__isnull=True),
                "event",
            ),
            0,
        ),
    }
    return events.annotate(**counts)


@dataclass
class Bar:
    """One labelled bar: a value and its length in per cent of the longest."""

    label: Any
    value: int
    width: int
    extra: Any = None


def bars(rows: list[tuple[Any, int, Any]]) -> list[Bar]:
    longest = max((value for _label, value, _extra in rows), default=0)
    return [
        Bar(label, value, percent(value, longest) or 0, extra)
        for label, value, extra in rows
    ]


@dataclass
class Dashboard:
    upcoming: list[Event]
    past: list[Event]
    growth: list[Bar]
    members_total: int
    field_mix: list[Bar]
    no_show_rate: int | None

    @classmethod
    def build(cls, now: datetime | None = None) -> "Dashboard":
        now = now or timezone.now()
        upcoming = list(
            Event.objects.upcoming(now)
            .exclude(status=EventStatus.CANCELLED)
            .with_venue()
            .with_rsvp_counts()[:UPCOMING_SHOWN]
        )
        for event in upcoming:
            # People let in at the door may go past the seats: the bar stops at
            # 100 % and the page says how many came on top, not "150 %".
            rate = percent(event.going_count, event.capacity)
            event.fill_rate = min(rate, 100) if rate is not None else None
            event.over_capacity = max(event.going_count - (event.capacity or 0), 0)
            if not event.capacity:
                event.over_capacity = 0
        past = list(
            with_attendance(
                Event.objects.past(now)
                .filter(status=EventStatus.PUBLISHED)
                .with_venue()
                .with_rsvp_counts()
            )[:PAST_SHOWN]
        )
        for event in past:
            event.uses_check_in = event.checked_in_count > 0
            event.no_show_rate = (
                percent(event.no_show_count, event.going_count)
                if event.uses_check_in
                else None
            )
        growth, total = member_growth(now)
        return cls(
            upcoming=upcoming,
            past=past,
            growth=growth,
            members_total=total,
            field_mix=field_mix(),
            no_show_rate=overall_no_show_rate(past),
        )


def overall_no_show_rate(past: list[Event]) -> int | None:
    counted = [e for e in past if e.uses_check_in]
    going = sum(e.going_count for e in counted)
    return percent(sum(e.no_show_count for e in counted), going)


def _month_starts(now: datetime, months: int) -> list[date]:
    local = timezone.localtime(now).date().replace(day=1)
    starts = []
    year, month = local.year, local.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


def member_growth(now: datetime) -> tuple[list[Bar], int]:
    """New members per month over the last year, with the running total."""
    months = _month_starts(now, GROWTH_MONTHS)
    since = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    members = User.objects.filter(is_active=True)
    rows = (
        members.filter(date_joined__gte=since)
        .annotate(month=TruncMonth("date_joined"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    before = members.filter(date_joined__lt=since).aggregate(n=Count("pk"))["n"]
    joined = {timezone.localtime(row["month"]).date(): row["n"] for row in rows}
    running = before
    table: list[tuple[Any, int, Any]] = []
    for month in months:
        running += joined.get(month, 0)
        table.append((month, joined.get(month, 0), running))
    return bars(table), running


def field_mix() -> list[Bar]:
    """How many active members come from each field, most first (1 query)."""
    labels = dict(Field.choices)
    rows = (
        Profile.objects.filter(user__is_active=True)
        .values("field")
        .annotate(n=Count("pk"))
        .order_by("-n", "field")
    )
    table = [(row["field"], row["n"], labels.get(row["field"])) for row in rows]
    return bars(table)
