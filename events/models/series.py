"""A recurring Stammtisch and its rule, such as "every last Tuesday of the month,
19:00 to 22:00".

The rule is what organizers think in (a weekday, which one in the month, a start and
an end time); python-dateutil's rrule turns it into dates. Times are wall-clock times
in Berlin, so 19:00 stays 19:00 on both sides of a daylight-saving change.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple

from dateutil.rrule import MONTHLY, rrule
from dateutil.rrule import weekday as rrule_weekday
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models.status import EventStatus
from somehub.lib.fields import OneLineCharField

if TYPE_CHECKING:
    from events.models.event import Event

# How far ahead organizers may generate drafts in one go.
MAX_DRAFTS = 12


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, _("first")
    SECOND = 2, _("second")
    THIRD = 3, _("third")
    FOURTH = 4, _("fourth")
    # dateutil counts from the end with negative numbers: -1 is the last.
    LAST = -1, _("last")


# One whole sentence per position, so that translations can decline the words.
_RULE_SENTENCES = {
    WeekOfMonth.FIRST: _("every first %(weekday)s of the month"),
    WeekOfMonth.SECOND: _("every second %(weekday)s of the month"),
    WeekOfMonth.THIRD: _("every third %(weekday)s of the month"),
    WeekOfMonth.FOURTH: _("every fourth %(weekday)s of the month"),
    WeekOfMonth.LAST: _("every last %(weekday)s of the month"),
}

RULE_FIELDS = ("weekday", "week_of_month", "start_time", "end_time")


class Occurrence(NamedTuple):
    starts_at: datetime
    ends_at: datetime


class Series(models.Model):
    """A recurring Stammtisch, such as "#SoMe Stammtisch Hannover"."""

    name = OneLineCharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    default_venue = models.ForeignKey(
        "events.Venue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default venue"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, null=True, blank=True
    )
    week_of_month = models.SmallIntegerField(
        _("which one in the month"),
        choices=WeekOfMonth.choices,
        null=True,
        blank=True,
        help_text=_("“Last” is the fourth or the fifth, whichever is the last."),
    )
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(
        _("end time"),
        null=True,
        blank=True,
        help_text=_("An end before the start means the evening goes on past midnight."),
    )
    reminder_time = models.TimeField(
        _("reminder at"),
        null=True,
        blank=True,
        help_text=_(
            "Send the reminder at this time on the day of each evening (e.g. "
            "10:00); leave empty to send it a day before."
        ),
    )
    default_capacity = models.PositiveIntegerField(
        _("default capacity"),
        null=True,
        blank=True,
        help_text=_("Seats for new dates; leave empty for no limit."),
    )

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["name"]
        constraints = [
            # A half-filled rule would generate dates nobody meant.
            models.CheckConstraint(
                condition=(
                    Q(
                        weekday__isnull=True,
                        week_of_month__isnull=True,
                        start_time__isnull=True,
                        end_time__isnull=True,
                    )
                    | Q(
                        weekday__isnull=False,
                        week_of_month__isnull=False,
                        start_time__isnull=False,
                        end_time__isnull=False,
                    )
                ),
                name="series_rule_complete",
            ),
            # Values outside the choices have no meaning for dateutil or for people.
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__in=Weekday.values),
                name="series_weekday_valid",
            ),
            models.CheckConstraint(
                condition=Q(week_of_month__isnull=True)
                | Q(week_of_month__in=WeekOfMonth.values),
                name="series_week_of_month_valid",
            ),
            # Like an event's capacity: zero seats would make every RSVP wait.
            models.CheckConstraint(
                condition=Q(default_capacity__isnull=True) | Q(default_capacity__gte=1),
                name="series_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        given = [name for name in RULE_FIELDS if getattr(self, name) is not None]
        if given and len(given) < len(RULE_FIELDS):
            missing = _("Fill in all four to repeat the date, or none of them.")
            raise ValidationError(
                {name: missing for name in RULE_FIELDS if getattr(self, name) is None}
            )
        if self.start_time is not None and self.start_time == self.end_time:
            raise ValidationError(
                {"end_time": _("The evening must end after it starts.")}
            )

    @property
    def has_rule(self) -> bool:
        return all(getattr(self, name) is not None for name in RULE_FIELDS)

    @property
    def recurrence_text(self) -> str:
        """The rule in words, in the active language; empty without a rule."""
        if (
            self.week_of_month is None
            or self.weekday is None
            or self.start_time is None
            or self.end_time is None
        ):
            return ""
        sentence = _RULE_SENTENCES[WeekOfMonth(self.week_of_month)] % {
            "weekday": Weekday(self.weekday).label
        }
        # An en dash between the two times is the typographically right one.
        return gettext("%(rule)s, %(start)s–%(end)s") % {
            "rule": sentence,
            "start": formats.time_format(self.start_time),
            "end": formats.time_format(self.end_time),
        }

    def _days(self, since: date) -> Iterator[date]:
        """The rule's days from the first of since's month on, for ever."""
        byweekday = rrule_weekday(self.weekday, self.week_of_month)
        start = datetime.combine(since.replace(day=1), time())
        for day in rrule(MONTHLY, dtstart=start, byweekday=byweekday):
            yield day.date()

    def occurrence_on(self, day: date) -> Occurrence:
        """The evening on that day, at the rule's Berlin wall-clock times."""
        start, end = self.start_time or time(), self.end_time or time()
        zone = timezone.get_default_timezone()
        end_day = day if end > start else day + timedelta(days=1)
        return Occurrence(
            datetime.combine(day, start, tzinfo=zone),
            datetime.combine(end_day, end, tzinfo=zone),
        )

    def next_dates(self, n: int = 3, after: datetime | None = None) -> list[Occurrence]:
        """The next n evenings of the rule that start after `after` (default: now)."""
        if not self.has_rule or n <= 0:
            return []
        after = after or timezone.now()
        local_day = timezone.localtime(after).date()
        found: list[Occurrence] = []
        for day in self._days(local_day):
            occurrence = self.occurrence_on(day)
            if occurrence.starts_at > after:
                found.append(occurrence)
                if len(found) == n:
                    break
        return found

    def generate_drafts(
        self, n: int = 3, after: datetime | None = None
    ) -> list["Event"]:
        """Draft events for the next n dates of the rule; days that already have an
        event of this series (any status) are skipped, so running it twice is safe."""
        if not self.has_rule:
            raise ValidationError(
                _("“%(series)s” has no rule for repeating dates yet."),
                code="no_rule",
                params={"series": self.name},
            )
        if self.default_venue_id is None:
            raise ValidationError(
                _("Choose a default venue for “%(series)s” first."),
                code="no_venue",
                params={"series": self.name},
            )
        n = max(0, min(n, MAX_DRAFTS))
        with transaction.atomic():
            # Two organizers clicking at once must not create the same date twice.
            Series.objects.select_for_update().filter(pk=self.pk).first()
            wanted = self.next_dates(n, after)
            if not wanted:
                return []
            taken = {
                timezone.localtime(start).date()
                for start in self.events.filter(
                    starts_at__gte=wanted[0].starts_at - timedelta(days=1),
                    starts_at__lte=wanted[-1].starts_at + timedelta(days=1),
                ).values_list("starts_at", flat=True)
            }
            return [
                self.events.create(
                    title=self.name,
                    description=self.description,
                    starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at,
                    venue_id=self.default_venue_id,
                    capacity=self.default_capacity,
                    status=EventStatus.DRAFT,
                )
                for occurrence in wanted
                if occurrence.starts_at.date() not in taken
            ]

    def existing_on(self, occurrences: list[Occurrence]) -> list["Event"]:
        """This series' evenings already on the days of these occurrences (why
        generate_drafts() skips them)."""
        if not occurrences:
            return []
        days = {timezone.localtime(o.starts_at).date() for o in occurrences}
        nearby = self.events.filter(
            starts_at__gte=occurrences[0].starts_at - timedelta(days=1),
            starts_at__lte=occurrences[-1].starts_at + timedelta(days=1),
        ).order_by("starts_at")
        return [e for e in nearby if timezone.localtime(e.starts_at).date() in days]

    def events_off_rule(
        self, now: datetime | None = None
    ) -> list[tuple["Event", Occurrence]]:
        """Coming evenings of this series (drafts and published) whose time is not
        the rule's any more, each with the time the rule gives its day."""
        if not self.has_rule:
            return []
        coming = self.events.filter(starts_at__gt=now or timezone.now()).exclude(
            status=EventStatus.CANCELLED
        )
        off = []
        for event in coming.select_related("venue").order_by("starts_at"):
            by_rule = self.occurrence_on(timezone.localtime(event.starts_at).date())
            if (event.starts_at, event.ends_at) != tuple(by_rule):
                off.append((event, by_rule))
        return off

    def create_next_draft(self) -> "Event":
        """A draft for the first date of the rule after the series' latest event."""
        latest = self.events.order_by("-starts_at").values_list("starts_at", flat=True)
        after = max(filter(None, [latest.first(), timezone.now()]))
        created = self.generate_drafts(1, after=after)
        if not created:  # pragma: no cover - the date after the latest is always free
            raise ValidationError(_("There is no next date to create."))
        return created[0]
