"""Importing dates from a calendar (RFC 5545): Google Calendar, Nextcloud, Outlook,
a Meetup group's feed. Run by `manage.py import_ical` and from the admin.

The file is read whole first (icalendar; repeating entries expanded over the chosen
window by recurring-ical-events, which also repairs Google's X-WR-TIMEZONE): a file
that cannot be read imports nothing. Then each date is one item in its own
transaction. A date is found again by its entry's UID (and, for one date of a
repeating entry, its RECURRENCE-ID), stored on the event, so importing the same
calendar again updates instead of adding. Times with a TZID (Windows names
included), in UTC and floating times (taken as Berlin time) all end up right in
Europe/Berlin; all-day entries run from midnight to midnight.
"""

import hashlib
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.importers.report import Action, ImportReport, ItemKind
from events.importers.wpcontent import comment_text
from events.models import Event, EventStatus, Series, Venue
from somehub.lib.dates import format_local

MAX_BYTES = 5 * 1024 * 1024
# A rule that repeats daily for years would flood the site with dates.
MAX_DATES = 500
FETCH_TIMEOUT = 20
REPEATING = ("RRULE", "RDATE", "RECURRENCE-ID")
# An entry without an end (and without a duration) lasts a Stammtisch evening.
DEFAULT_LENGTH = timedelta(hours=3)
DEFAULT_WINDOW = timedelta(days=365)


class CalendarError(Exception):
    """The calendar cannot be read or imported at all; the message says why."""


@dataclass
class CalendarOptions:
    series: Series | None = None
    # What new dates become: drafts to look over, or published at once.
    status: str = EventStatus.DRAFT
    since: date | None = None
    until: date | None = None
    # Where dates without a LOCATION take place (else the series' default venue).
    venue: Venue | None = None
    dry_run: bool = False

    def window(self) -> tuple[date, date]:
        since = self.since or timezone.localdate()
        return since, self.until or since + DEFAULT_WINDOW


def read_source(source: str) -> bytes:
    """The calendar behind a file path or an http(s)/webcal address.

    Fetching is the operator's explicit choice (a command line or the admin's
    form); nothing else in the import goes to the network."""
    address = re.sub(r"^webcals?://", "https://", source.strip(), flags=re.I)
    if not re.match(r"^https?://", address, re.I):
        try:
            path = Path(source)
            if path.stat().st_size > MAX_BYTES:
                raise CalendarError(_("The calendar is larger than 5 MB."))
            return path.read_bytes()
        except OSError as exc:
            raise CalendarError(
                _("The file %(name)s cannot be read: %(error)s")
                % {"name": source, "error": exc.strerror or exc}
            ) from exc
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        address, headers={"User-Agent": "SoMeHub calendar import"}
    )
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise CalendarError(
            _("The calendar at %(url)s could not be fetched: %(error)s")
            % {"url": address, "error": reason}
        ) from exc
    if len(data) > MAX_BYTES:
        raise CalendarError(_("The calendar is larger than 5 MB."))
    return data


@dataclass
class Occurrence:
    """One date read from the calendar, before it is saved."""

    uid: str
    title: str
    description: str
    location: str
    geo: tuple[Decimal, Decimal] | None
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    all_day: bool
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return (
            f"{self.title} ({format_local(self.starts_at, 'medium')}, "
            + (_("all day") if self.all_day else format_local(self.starts_at, "time"))
            + ")"
        )


def import_calendar(data: bytes, options: CalendarOptions) -> ImportReport:
    """Import a calendar file's contents; the report says what happened."""
    started = time.monotonic()
    report = ImportReport(dry_run=options.dry_run)
    try:
        occurrences, skipped = read_calendar(data, options)
    except CalendarError as exc:
        return report.fail(str(exc))
    for label, reason in skipped:
        report.add(Action.SKIPPED, ItemKind.EVENT, label, reason)
    CalendarImport(options, report).run(occurrences)
    report.seconds = round(time.monotonic() - started, 2)
    return report


def read_calendar(
    data: bytes, options: CalendarOptions
) -> tuple[list[Occurrence], list[tuple[str, str]]]:
    """Every date of the calendar in the window, or CalendarError; and the
    entries that cannot be imported, with the reason."""
    if len(data) > MAX_BYTES:
        raise CalendarError(_("The calendar is larger than 5 MB."))
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        raise CalendarError(
            _(
                "This is not a calendar file (iCalendar, .ics): it does not begin "
                "with BEGIN:VCALENDAR."
            )
        )
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise CalendarError(
            _("The calendar file is broken and was not imported: %(error)s")
            % {"error": Truncator(str(exc)).chars(200)}
        ) from exc
    if not calendars:
        raise CalendarError(
            _(
                "The calendar file is broken and was not imported: it does not end "
                "with END:VCALENDAR (was it cut off?)."
            )
        )
    since, until = options.window()
    occurrences: list[Occurrence] = []
    skipped: list[tuple[str, str]] = []
    seen_uids: set[str] = set()
    # Entries with more than one date: each date is known by its RECURRENCE-ID.
    repeating: set[str] = set()
    in_window: set[str] = set()
    for calendar in calendars:
        for component in list(calendar.walk("VEVENT")):
            uid = str(component.get("UID", "")).strip()
            summary = str(component.get("SUMMARY", "")).strip() or _("Untitled date")
            problem = _component_problem(component)
            if not uid:
                problem = problem or _(
                    "the entry has no UID, so it could not be found again"
                )
            if problem:
                skipped.append((summary, problem))
                # Left out before the dates are worked out, which it would stop.
                calendar.subcomponents.remove(component)
                continue
            seen_uids.add(uid)
            if any(component.get(k) is not None for k in REPEATING):
                repeating.add(uid)
        try:
            found = recurring_ical_events.of(calendar).between(
                since, until + timedelta(days=1)
            )
            for component in found:
                uid = str(component.get("UID", "")).strip()
                if uid not in seen_uids:
                    continue
                occurrences.append(_occurrence(component, uid, uid in repeating))
                in_window.add(uid)
                if len(occurrences) > MAX_DATES:
                    raise CalendarError(
                        _(
                            "The calendar has more than %(max)d dates in the chosen "
                            "time span; choose a shorter one."
                        )
                        % {"max": MAX_DATES}
                    )
        except CalendarError:
            raise
        except Exception as exc:  # recurring-ical-events raises many kinds
            raise CalendarError(
                _(
                    "The calendar's dates could not be worked out, so nothing was "
                    "imported: %(error)s"
                )
                % {"error": Truncator(f"{type(exc).__name__}: {exc}").chars(200)}
            ) from exc
    outside = len(seen_uids - in_window)
    if outside:
        skipped.append(
            (
                ngettext("%(count)d entry", "%(count)d entries", outside)
                % {"count": outside},
                _("no date between %(since)s and %(until)s")
                % {
                    "since": format_local(_midnight(since), "medium"),
                    "until": format_local(_midnight(until), "medium"),
                },
            )
        )
    return occurrences, skipped


def _component_problem(component: Any) -> str:
    """Why an entry cannot become a date, or ""."""
    errors = getattr(component, "errors", [])
    broken = {(name or "").upper() for name, _error in errors}
    if "DTSTART" in broken or component.get("DTSTART") is None:
        return _("the entry has no readable start")
    if "DTEND" in broken or "DURATION" in broken:
        return _("the entry has no readable end")
    return ""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, clock(), tzinfo=timezone.get_default_timezone())


def _moment(value: date | datetime) -> datetime:
    """A DTSTART/DTEND value as an aware datetime in Berlin: a floating time is
    Berlin time, a date is its midnight."""
    zone = timezone.get_default_timezone()
    if not isinstance(value, datetime):
        return _midnight(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def _occurrence(component: Any, uid: str, repeating: bool) -> Occurrence:
    start_value = component["DTSTART"].dt
    all_day = not isinstance(start_value, datetime)
    starts_at = _moment(start_value)
    notes = []
    if component.get("DTEND") is not None:
        ends_at = _moment(component["DTEND"].dt)
    elif component.get("DURATION") is not None:
        ends_at = starts_at + component["DURATION"].dt
    else:
        ends_at = starts_at + (timedelta(days=1) if all_day else DEFAULT_LENGTH)
    if ends_at <= starts_at:
        ends_at = starts_at + DEFAULT_LENGTH
        notes.append(_("no length given: taken as three hours"))
    recurrence = component.get("RECURRENCE-ID")
    if repeating and recurrence is not None:
        when = recurrence.dt
        suffix = (
            _moment(when).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            if isinstance(when, datetime)
            else when.strftime("%Y%m%d")
        )
        uid = f"{uid}/{suffix}"
    if len(uid) > 300:  # the column's size; a hash keeps it unique and stable
        uid = hashlib.sha256(uid.encode()).hexdigest()
    geo = None
    if component.get("GEO") is not None:
        try:
            geo = (
                Decimal(str(component["GEO"].latitude)).quantize(Decimal("0.000001")),
                Decimal(str(component["GEO"].longitude)).quantize(Decimal("0.000001")),
            )
        except (AttributeError, InvalidOperation, ValueError):
            geo = None
    description = str(component.get("DESCRIPTION", "") or "")
    if re.search(r"<[a-z][^>]*>", description, re.I):  # Google writes HTML
        description = comment_text(description)
    return Occurrence(
        uid=uid,
        title=Truncator(
            " ".join(str(component.get("SUMMARY", "")).split()) or _("Untitled date")
        ).chars(140),
        description=description.strip(),
        location=" ".join(str(component.get("LOCATION", "") or "").split()),
        geo=geo,
        starts_at=starts_at,
        ends_at=ends_at,
        cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
        all_day=all_day,
        notes=notes,
    )


class CalendarImport:
    def __init__(self, options: CalendarOptions, report: ImportReport) -> None:
        self.options = options
        self.report = report
        self.planned_venues: set[str] = set()

    def run(self, occurrences: list[Occurrence]) -> None:
        existing = {
            e.ical_uid: e
            for e in Event.objects.filter(
                ical_uid__in=[o.uid for o in occurrences]
            ).select_related("venue")
        }
        for occurrence in occurrences:
            self._one(occurrence, existing.get(occurrence.uid))

    def _one(self, occurrence: Occurrence, event: Event | None) -> None:
        label = occurrence.label
        for note in occurrence.notes:
            self.report.note(f"{label}: {note}")
        try:
            with transaction.atomic():
                venue = self._venue(occurrence)
                if venue is None:
                    self.report.add(
                        Action.SKIPPED,
                        ItemKind.EVENT,
                        label,
                        _(
                            "no place: the entry has no location and no default venue "
                            "was chosen"
                        ),
                    )
                    return
                action = self._apply(occurrence, event, venue)
                if self.options.dry_run:
                    transaction.set_rollback(True)
        except (DatabaseError, ValidationError, ValueError) as exc:
            reason = " ".join(getattr(exc, "messages", [str(exc)]))
            self.report.add(Action.FAILED, ItemKind.EVENT, label, reason[:200])
            return
        self.report.add(action, ItemKind.EVENT, label)

    def _apply(self, o: Occurrence, event: Event | None, venue: Venue) -> Action:
        fields: dict[str, Any] = {
            "title": o.title,
            "description": o.description,
            "starts_at": o.starts_at,
            "ends_at": o.ends_at,
            "venue_id": venue.pk,
        }
        if event is None:
            series = self.options.series
            event = Event(
                ical_uid=o.uid,
                series=series,
                capacity=series.default_capacity if series else None,
                status=self.options.status,
                **fields,
            )
            if o.cancelled:
                event.status = EventStatus.CANCELLED
                event.cancellation_reason = _("Cancelled in the imported calendar.")
            if event.status != EventStatus.DRAFT:
                event.published_at = timezone.now()
            event.save()
            return Action.CREATED
        changed = {k: v for k, v in fields.items() if getattr(event, k) != v}
        cancel = o.cancelled and not event.is_cancelled
        if not changed and not cancel:
            return Action.UNCHANGED
        # Those going hear of a new time or place, or of the cancellation.
        if changed.keys() & {"starts_at", "ends_at", "venue_id"}:
            event.reschedule(starts_at=o.starts_at, ends_at=o.ends_at, venue=venue)
        details = changed.keys() - {"starts_at", "ends_at", "venue_id"}
        if details:
            for name in details:
                setattr(event, name, changed[name])
            event.revise(details)
        if cancel:
            event.cancel(_("Cancelled in the imported calendar."))
        return Action.UPDATED

    def _venue(self, o: Occurrence) -> Venue | None:
        if not o.location:
            series = self.options.series
            return self.options.venue or (series.default_venue if series else None)
        name, street, postcode, city = _address(o.location)
        venue = Venue.objects.filter(name__iexact=o.location[:120]).first() or (
            Venue.objects.filter(name__iexact=name).first()
        )
        if venue is not None:
            return venue
        venue = Venue.objects.create(
            name=name,
            street=street,
            postcode=postcode,
            city=city,
            latitude=o.geo[0] if o.geo else None,
            longitude=o.geo[1] if o.geo else None,
        )
        if name.casefold() not in self.planned_venues:
            self.planned_venues.add(name.casefold())
            self.report.add(Action.CREATED, ItemKind.VENUE, o.location)
        return venue


def _address(location: str) -> tuple[str, str, str, str]:
    """ "La Sall, Sallstraße 1, 30171 Hannover, Deutschland" -> its parts.

    Meetup writes "La Sall (Sallstraße 1, Hannover, Germany)", others
    "La Sall @ Sallstraße 1, 30171 Hannover"."""
    location = re.sub(r"^([^(]+?)\s*\((.+)\)$", r"\1, \2", location.strip())
    parts = [p.strip() for p in re.split(r",|\s@\s", location) if p.strip()]
    name = Truncator(parts[0] if parts else location).chars(120)
    street = postcode = city = ""
    for part in parts[1:]:
        match = re.fullmatch(r"(?:D-)?(\d{4,5})\s+(.+)", part)
        if match and not postcode:
            postcode, city = match[1], match[2][:80]
        elif not street and re.search(r"\d", part) and not postcode:
            street = part[:120]
        elif street and not city and not re.search(r"\d", part):
            city = part[:80]
    return name, street, postcode, city
