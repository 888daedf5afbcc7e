from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User, Viewer
from events.models.audit import record
from events.models.rsvp import RSVP, MailKind, RSVPError, RSVPStatus
from events.models.series import Series
from events.models.status import Attendance, AttendanceMode, EventStatus
from somehub.lib.dates import format_local
from somehub.lib.fields import OneLineCharField, derive_on_save
from somehub.lib.markdown import render_markdown
from somehub.lib.outbox import enqueue_with_transaction
from somehub.lib.queries import count_per_row
from somehub.lib.slugs import german_slugify


class Venue(models.Model):
    """A place where a Stammtisch happens, usually a pub."""

    name = OneLineCharField(_("name"), max_length=120)
    street = models.CharField(_("street and number"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, default="Hannover")
    district = models.CharField(_("district"), max_length=80, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_line(self) -> str:
        locality = " ".join(p for p in [self.postcode, self.city] if p)
        return ", ".join(p for p in [self.street, locality] if p)

    @property
    def osm_url(self) -> str:
        """A link to the place on OpenStreetMap (a link only, no embedded map)."""
        if self.latitude is not None and self.longitude is not None:
            lat, lon = self.latitude, self.longitude
            return (
                f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}"
                f"#map=18/{lat}/{lon}"
            )
        query = urlencode({"query": f"{self.name}, {self.address_line}"})
        return f"https://www.openstreetmap.org/search?{query}"


class EventQuerySet(models.QuerySet["Event"]):
    def published(self) -> "EventQuerySet":
        """Events the public may see: published or (loudly) cancelled."""
        return self.exclude(status=EventStatus.DRAFT)

    def upcoming(self, now: datetime | None = None) -> "EventQuerySet":
        """Events that have not ended yet, soonest first."""
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now: datetime | None = None) -> "EventQuerySet":
        """Events that have ended, newest first."""
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at")

    def visible_to(self, user: Viewer | None) -> "EventQuerySet":
        """Drafts are for the Orga-Team only."""
        if user is not None and user.has_perm("events.view_event"):
            return self.all()
        return self.published()

    def with_venue(self) -> "EventQuerySet":
        return self.select_related("venue", "series")

    def with_rsvp_counts(self) -> "EventQuerySet":
        """Annotate `going_count` and `waiting_count`, and of those going
        `online_going_count` (subqueries, not one per row)."""
        rsvps = RSVP.objects.filter(event=OuterRef("pk"))
        return self.annotate(
            going_count=Coalesce(count_per_row(rsvps.going(), "event"), 0),
            waiting_count=Coalesce(
                count_per_row(rsvps.filter(status=RSVPStatus.WAITING), "event"), 0
            ),
            online_going_count=Coalesce(
                count_per_row(
                    rsvps.going().filter(attendance=Attendance.ONLINE), "event"
                ),
                0,
            ),
        )


def note_rsvps(events: "Iterable[Event]", viewer: Viewer) -> None:
    """Set on each event its counts (`going_count`, `waiting_count`,
    `online_going_count`, as with_rsvp_counts() annotates them) and what the
    viewer answered: `my_rsvp_status`, `my_attendance`, `my_waiting_position` and
    `my_email_verified` (may they RSVP?), for the cards, the RSVP box and the
    seats line.

    One grouped query for all the events of a page (three correlated subqueries
    per row cost more to plan and run than the page's other queries together),
    and a second one for the place of a viewer who is on a waiting list."""
    events = list(events)
    member = viewer if isinstance(viewer, User) else None
    going: dict[int, int] = {}
    online: dict[int, int] = {}
    waiting: dict[int, int] = {}
    answers: dict[int, tuple[str, str]] = {}
    positions: dict[int, int] = {}
    if events:
        rows = (
            RSVP.objects.filter(event__in=[e.pk for e in events])
            .order_by()
            .values_list("event_id", "status", "attendance")
            # No member has the id 0: a visitor's answer is never found.
            .annotate(
                n=Count("pk"),
                mine=Count("pk", filter=Q(member_id=member.pk if member else 0)),
            )
        )
        for event_id, status, attendance, count, mine in rows:
            if status == RSVPStatus.GOING:
                going[event_id] = going.get(event_id, 0) + count
                if attendance == Attendance.ONLINE:
                    online[event_id] = online.get(event_id, 0) + count
            elif status == RSVPStatus.WAITING:
                waiting[event_id] = waiting.get(event_id, 0) + count
            if mine:
                answers[event_id] = (status, attendance)
    if member is not None and RSVPStatus.WAITING in (s for s, _ in answers.values()):
        # Only someone on a waiting list needs their place in it counted.
        on_lists = RSVP.objects.filter(
            member=member, event__in=list(answers), status=RSVPStatus.WAITING
        ).with_waiting_position()
        # (the stubs do not see the annotation of with_waiting_position)
        places = on_lists.values_list("event_id", "waiting_position")  # type: ignore[misc]
        positions = dict(places)
    # Read with the logged-in member (accounts.backends), or asked now.
    verified = bool(member is not None and member.has_verified_email)
    for event in events:
        event.going_count = going.get(event.pk, 0)
        event.waiting_count = waiting.get(event.pk, 0)
        event.online_going_count = online.get(event.pk, 0)
        status, attendance = answers.get(event.pk, (None, None))
        event.my_rsvp_status = status
        event.my_attendance = attendance
        event.my_waiting_position = positions.get(event.pk)
        event.my_email_verified = verified


# Changing one of these changes what a calendar app shows: bump SEQUENCE.
CALENDAR_FIELDS = (
    "title",
    "motto",
    "description",
    "starts_at",
    "ends_at",
    "venue_id",
    "status",
    "attendance_mode",
    "online_url",
)
# The event page shows this many faces of people going, then "and N others".
ATTENDEES_SHOWN = 48


def previous_details(event: "Event") -> dict[str, str]:
    """An evening's time and place as it was, for the "changed" mail (JSON for the
    task queue: ISO times and the venue's name)."""
    return {
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "venue": str(event.venue),
    }


def _fill_step(taken: int, places: int | None) -> int:
    if not places:
        return 0
    return int(round(min(taken / places, 1) * 20) * 5)


class CodeCheckIn(NamedTuple):
    rsvp: RSVP
    # False: they had been checked in before (a second scan).
    is_new: bool


class WhoIsComing(NamedTuple):
    shown: list[RSVP]
    others: int


class Event(models.Model):
    """One Stammtisch evening."""

    series = models.ForeignKey(
        Series,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("series"),
    )
    title = OneLineCharField(_("title"), max_length=140)
    slug = models.SlugField(_("slug"), max_length=160, unique=True, blank=True)
    motto = OneLineCharField(_("motto or topic"), max_length=200, blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown is allowed.")
    )
    # The description as safe HTML, made when it is saved (Markdown is slow to
    # render, and pages show it far more often than it changes).
    rendered_description = models.TextField(blank=True, editable=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="events", verbose_name=_("venue")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Number of seats; leave empty for no limit."),
    )
    attendance_mode = models.CharField(
        _("how it takes place"),
        max_length=10,
        choices=AttendanceMode.choices,
        default=AttendanceMode.IN_PERSON,
        help_text=_(
            "Online and hybrid evenings need an online link. For an online "
            "evening only the online places count."
        ),
    )
    online_url = models.URLField(
        _("online link"),
        max_length=500,
        blank=True,
        help_text=_(
            "The link to the video call. Only members with an online place see it "
            "(on the event page, in their e-mails and personal calendar), never "
            "visitors or public feeds."
        ),
    )
    online_capacity = models.PositiveIntegerField(
        _("online places"),
        null=True,
        blank=True,
        help_text=_("Number of online places; leave empty for no limit."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EventStatus.choices,
        default=EventStatus.DRAFT,
    )
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    reminder_time = models.TimeField(
        _("reminder at"),
        null=True,
        blank=True,
        help_text=_(
            "Send the reminder at this time on the day (e.g. 10:00); leave empty "
            "for the series' setting, or a day before."
        ),
    )
    cover_image = models.ImageField(_("cover image"), upload_to="events/", blank=True)
    cover_image_alt = models.CharField(
        _("cover image description"), max_length=200, blank=True
    )
    rsvp_opens_at = models.DateTimeField(_("RSVPs open at"), null=True, blank=True)
    rsvp_closes_at = models.DateTimeField(
        _("RSVPs close at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to close RSVPs when the event starts."),
    )
    sequence = models.PositiveIntegerField(
        _("calendar revision"), default=0, editable=False
    )
    # Set by a calendar import: the entry's UID, and for one date of a repeating
    # entry its RECURRENCE-ID, so that the next import updates this date.
    ical_uid = models.CharField(
        _("imported from calendar entry"), max_length=300, blank=True, editable=False
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = EventQuerySet.as_manager()

    # Set on the rows of querysets that annotate them (with_rsvp_counts,
    # stats.with_attendance), by note_rsvps or by the dashboard; not columns.
    going_count: int
    waiting_count: int
    my_rsvp_status: str | None
    my_attendance: str | None
    my_waiting_position: int | None
    my_email_verified: bool
    checked_in_count: int
    no_show_count: int
    fill_rate: int | None
    uses_check_in: bool
    no_show_rate: int | None
    over_capacity: int
    online_going_count: int

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        indexes = [
            # The upcoming and past lists filter on status and order by start time.
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
            models.Index(fields=["ends_at"], name="event_ends_at_idx"),
        ]
        constraints = [
            # An evening cannot end before it begins.
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            # A capacity of zero would make every RSVP a waiting-list entry.
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
            # Online places, like those in the room, are at least one.
            models.CheckConstraint(
                condition=Q(online_capacity__isnull=True) | Q(online_capacity__gte=1),
                name="event_online_capacity_positive",
            ),
            # An unknown way of taking place would give nobody a place.
            models.CheckConstraint(
                condition=Q(attendance_mode__in=AttendanceMode.values),
                name="event_attendance_mode_valid",
            ),
            # Status values outside the choices would hide an event from every list.
            models.CheckConstraint(
                condition=Q(status__in=EventStatus.values), name="event_status_valid"
            ),
            # A calendar entry imported twice must update its date, not add one.
            models.UniqueConstraint(
                fields=["ical_uid"],
                condition=~Q(ical_uid=""),
                name="event_ical_uid_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%d.%m.%Y})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves, and nothing else: what an edit means for those going (a mail, a
        seat from the waiting list, a new calendar revision) is the business of
        the domain actions below, called where the intent is known."""
        if not self.slug:
            self.slug = self._unique_slug()
        derive_on_save(
            self,
            kwargs,
            ["description"],
            "rendered_description",
            lambda: render_markdown(self.description),
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})

    # What the Orga-Team does with an evening. Each is one transaction; those that
    # change who has a seat hold the event row (SELECT ... FOR UPDATE).

    def publish(self) -> bool:
        """Make a draft public and announce it to the members who want to hear of
        new dates (once per evening, however often it is published); False if it
        was not a draft."""
        if self.status != EventStatus.DRAFT:
            return False
        with transaction.atomic():
            self.status = EventStatus.PUBLISHED
            self.published_at = self.published_at or timezone.now()
            self.sequence += 1
            self.save(
                update_fields=["status", "published_at", "sequence", "updated_at"]
            )
            self.announce()
        return True

    def announce(self) -> None:
        """Queue the announcement of this evening (events.tasks.announce_event: it
        announces a published, coming evening once, and nothing otherwise)."""
        enqueue_with_transaction("events.tasks.announce_event", self.pk)

    def cancel(self, reason: str = "") -> bool:
        """Call the evening off; everyone going or waiting is told, with the
        reason. False if it was cancelled already."""
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=self.pk)
            if locked.is_cancelled:
                return False
            was_published = locked.status == EventStatus.PUBLISHED
            self.status = EventStatus.CANCELLED
            self.cancellation_reason = reason
            self.sequence = locked.sequence + 1
            if was_published:
                # reinstate() knows by this that it was public before.
                self.published_at = locked.published_at or timezone.now()
            self.save(
                update_fields=[
                    "status",
                    "cancellation_reason",
                    "sequence",
                    "published_at",
                    "updated_at",
                ]
            )
            if was_published:
                self.notify_attendees(MailKind.EVENT_CANCELLED)
        return True

    def reschedule(
        self,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        venue: Venue | None = None,
    ) -> bool:
        """Move the evening to another time or place; everyone going or waiting
        of a published, coming evening is told. False if nothing changed."""
        new = {
            "starts_at": starts_at or self.starts_at,
            "ends_at": ends_at or self.ends_at,
            "venue_id": venue.pk if venue is not None else self.venue_id,
        }
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=self.pk)
            old = {name: getattr(locked, name) for name in new}
            if old == new:
                return False
            for name, value in new.items():
                setattr(self, name, value)
            if venue is not None:
                self.venue = venue
            if self.ends_at <= self.starts_at:
                raise ValidationError(
                    {"ends_at": _("An evening cannot end before it begins.")}
                )
            self.sequence = locked.sequence + 1
            self.save(update_fields=[*new, "sequence", "updated_at"])
            if self.status == EventStatus.PUBLISHED and not self.is_past:
                # The mail shows what changed: the old time and place too.
                self.notify_attendees(
                    MailKind.EVENT_CHANGED, previous=previous_details(locked)
                )
        return True

    def reinstate(self) -> bool:
        """Take back a cancellation: the evening takes place after all. Everyone
        still going or waiting is told (their last mail said it was off). A date
        cancelled before it was ever published goes back to being a draft.
        False if it was not cancelled."""
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=self.pk)
            if not locked.is_cancelled:
                return False
            self.status = (
                EventStatus.PUBLISHED if locked.published_at else EventStatus.DRAFT
            )
            self.cancellation_reason = ""
            self.sequence = locked.sequence + 1
            self.save(
                update_fields=[
                    "status",
                    "cancellation_reason",
                    "sequence",
                    "updated_at",
                ]
            )
            if self.status == EventStatus.PUBLISHED and not self.is_past:
                self.notify_attendees(MailKind.EVENT_REINSTATED)
        return True

    def copy_as_draft(self) -> "Event":
        """A new draft with this evening's text, place, time and seats, to change
        and publish; nobody's RSVP comes along, and nobody is told."""
        return Event.objects.create(
            series=self.series,
            title=self.title,
            motto=self.motto,
            description=self.description,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            venue_id=self.venue_id,
            capacity=self.capacity,
            reminder_time=self.reminder_time,
            cover_image=self.cover_image,
            cover_image_alt=self.cover_image_alt,
            status=EventStatus.DRAFT,
        )

    def revise(self, fields: Iterable[str]) -> None:
        """Save the Orga-Team's edit of other details (title, motto, text, RSVP
        window...); calendar apps get a new revision when they show any of them.
        Nobody is e-mailed."""
        names = set(fields)
        if names & set(CALENDAR_FIELDS):
            self.sequence += 1
        self.save()

    def clean(self) -> None:
        super().clean()
        if (
            self.rsvp_opens_at
            and self.rsvp_closes_at
            and self.rsvp_closes_at <= self.rsvp_opens_at
        ):
            raise ValidationError(
                {"rsvp_closes_at": _("RSVPs must close after they open.")}
            )
        if self.has_online and not self.online_url:
            raise ValidationError(
                {"online_url": _("An online or hybrid evening needs its online link.")}
            )
        if self.pk is None:
            return
        errors: dict[str, str] = {}
        for attendance, field in (
            (Attendance.IN_PERSON, "capacity"),
            (Attendance.ONLINE, "online_capacity"),
        ):
            places = getattr(self, field)
            going = self.rsvps.going().filter(attendance=attendance)
            if not self.takes(attendance):
                # Nobody loses their way of taking part behind their back.
                active = self.rsvps.active().filter(attendance=attendance).count()
                if active:
                    errors["attendance_mode"] = ngettext(
                        "%(count)d member has answered for %(way)s: change "
                        "their answer first.",
                        "%(count)d members have answered for %(way)s: change "
                        "their answers first.",
                        active,
                    ) % {"count": active, "way": Attendance(attendance).label}
                continue
            if places is not None and places < (count := going.count()):
                # Nobody who was promised a seat loses it behind their back.
                errors[field] = ngettext(
                    "%(count)d member is already going: the capacity cannot be lower.",
                    "%(count)d members are already going: the capacity "
                    "cannot be lower.",
                    count,
                ) % {"count": count}
        if errors:
            raise ValidationError(errors)

    def _unique_slug(self) -> str:
        day = timezone.localtime(self.starts_at).date().isoformat()
        base = german_slugify(f"{day} {self.title}")[:150] or day
        slug, n = base, 2
        while Event.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    @property
    def is_draft(self) -> bool:
        return self.status == EventStatus.DRAFT

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    # RSVPs. Every change of who is going happens with the event row locked
    # (SELECT ... FOR UPDATE), so concurrent requests are serialized per event
    # and there are never more people going than seats.

    def rsvp(self, member: User, attendance: str | None = None) -> RSVP:
        """Say "I'm coming": a place if one is free, else a waiting-list place,
        in person or online as the evening offers (a hybrid evening: as the
        member chose, in person if they did not say).

        Saying yes again (double submit, second tab) changes nothing. Switching
        between in person and online takes a free place of the other kind and
        gives the old one to the next in line; with none free, nothing changes.
        """
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=self.pk)
            event.check_rsvp_open(member)
            kind = event.attendance_for(attendance)
            rsvp = RSVP.objects.filter(event=event, member=member).first()
            if rsvp is not None and rsvp.is_active:
                if rsvp.attendance == kind:
                    return rsvp
                if not event._has_free_seat(kind):
                    raise RSVPError(
                        _(
                            "There is no free place %(wanted)s, so nothing has "
                            "changed: you keep your place %(current)s."
                        )
                        % {
                            "wanted": Attendance(kind).label,
                            "current": Attendance(rsvp.attendance).label,
                        }
                    )
                event._withdraw(rsvp)
            # Seats freed without promotion (e.g. by a raw update) go to those
            # already waiting before anyone new.
            event._fill_free_seats()
            now = timezone.now()
            if rsvp is None:
                rsvp = RSVP(event=event, member=member)
            rsvp.attendance = kind
            if event._has_free_seat(kind):
                rsvp.status, rsvp.waiting_since = RSVPStatus.GOING, None
            else:
                rsvp.status, rsvp.waiting_since = RSVPStatus.WAITING, now
            rsvp.promoted_at = None
            rsvp.save()
            rsvp.notify(MailKind.CONFIRMATION)
        return rsvp

    def decline(self, member: User) -> RSVP:
        """Say "I can't come": gives up a seat or waiting place, or just says no."""
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=self.pk)
            event.check_rsvp_changeable()
            rsvp = RSVP.objects.filter(event=event, member=member).first()
            if rsvp is None:
                event.check_member_may_rsvp(member)
                rsvp = RSVP.objects.create(
                    event=event, member=member, status=RSVPStatus.NOT_GOING
                )
            else:
                event._withdraw(rsvp)
        return rsvp

    def check_member_may_rsvp(self, member: User) -> None:
        if not member.has_verified_email:
            raise RSVPError(
                _("Please confirm your e-mail address first: we sent you a link.")
            )

    def check_rsvp_changeable(self) -> None:
        """Seats can be given up until the evening starts, unless it is cancelled."""
        if self.is_draft:
            raise RSVPError(_("This date is not published yet."))
        if self.is_cancelled:
            raise RSVPError(_("This Stammtisch has been cancelled."))
        if self.has_started:
            raise RSVPError(_("This Stammtisch has already started or is over."))

    def check_rsvp_open(self, member: User) -> None:
        reason = self.rsvp_closed_reason
        if reason:
            raise RSVPError(reason)
        self.check_member_may_rsvp(member)

    @property
    def rsvp_closed_reason(self) -> str:
        """Why nobody can say "I'm coming" right now; empty while RSVPs are open."""
        try:
            self.check_rsvp_changeable()
        except RSVPError as exc:
            return str(exc.message)
        now = timezone.now()
        if self.rsvp_opens_at and now < self.rsvp_opens_at:
            return _("RSVPs open on %(date)s at %(time)s.") % {
                "date": format_local(self.rsvp_opens_at, "long"),
                "time": format_local(self.rsvp_opens_at, "time"),
            }
        if self.rsvp_closes_at and now >= self.rsvp_closes_at:
            return gettext("RSVPs for this Stammtisch are closed.")
        return ""

    @property
    def rsvp_is_open(self) -> bool:
        return not self.rsvp_closed_reason

    # In person and online: each has its own places and waiting list.

    @property
    def has_online(self) -> bool:
        return self.attendance_mode in (AttendanceMode.ONLINE, AttendanceMode.HYBRID)

    @property
    def has_in_person(self) -> bool:
        return self.attendance_mode != AttendanceMode.ONLINE

    @property
    def is_hybrid(self) -> bool:
        return self.attendance_mode == AttendanceMode.HYBRID

    def takes(self, attendance: str) -> bool:
        """Does this evening offer this way of taking part?"""
        if attendance == Attendance.ONLINE:
            return self.has_online
        return self.has_in_person

    def attendance_for(self, wish: str | None) -> str:
        """How a member takes part: what the evening offers, or on a hybrid
        evening what they chose (in person unless they chose online)."""
        if self.attendance_mode == AttendanceMode.ONLINE:
            return Attendance.ONLINE
        if self.is_hybrid and wish == Attendance.ONLINE:
            return Attendance.ONLINE
        return Attendance.IN_PERSON

    def capacity_for(self, attendance: str) -> int | None:
        if attendance == Attendance.ONLINE:
            return self.online_capacity
        return self.capacity

    def _has_free_seat(self, attendance: str = Attendance.IN_PERSON) -> bool:
        """Call with the event row locked."""
        places = self.capacity_for(attendance)
        if places is None:
            return True
        return self.rsvps.going().filter(attendance=attendance).count() < places

    def take_back(self, rsvp: RSVP, version: str | None = None) -> list[RSVP]:
        """A member gives up their seat or waiting-list place; the next people
        waiting move up. With `version`, only the RSVP as it was then (a "free my
        seat" link works once). Returns who moved up."""
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=self.pk)
            event.check_rsvp_changeable()
            current = RSVP.objects.get(pk=rsvp.pk)
            if version is not None and current.version != version:
                raise RSVPError(
                    _(
                        "This link has been used already, or your answer has "
                        "changed since: it frees no seat any more."
                    )
                )
            return event._withdraw(current)

    def _withdraw(self, rsvp: RSVP) -> list[RSVP]:
        """Turn an RSVP into "not going"; call with the event row locked."""
        if rsvp.status == RSVPStatus.NOT_GOING:
            return []
        was_going = rsvp.is_going
        rsvp.status = RSVPStatus.NOT_GOING
        rsvp.waiting_since = None
        rsvp.save(update_fields=["status", "waiting_since", "updated_at"])
        return self._fill_free_seats() if was_going else []

    def _fill_free_seats(self) -> list[RSVP]:
        """Move the first people waiting into free seats, in order, in person and
        online each on its own; call with the event row locked."""
        if self.status != EventStatus.PUBLISHED or self.has_started:
            return []
        promoted: list[RSVP] = []
        for attendance in Attendance.values:
            waiting = self.rsvps.waiting().filter(attendance=attendance)
            places = self.capacity_for(attendance)
            if places is not None:
                going = self.rsvps.going().filter(attendance=attendance).count()
                free = places - going
                if free <= 0:
                    continue
                waiting = waiting[:free]
            promoted += list(waiting)
        now = timezone.now()
        for rsvp in promoted:
            rsvp.status, rsvp.promoted_at = RSVPStatus.GOING, now
            rsvp.save(update_fields=["status", "promoted_at", "updated_at"])
            rsvp.notify(MailKind.PROMOTION)
        return promoted

    # Door check-in; checking in and undoing it live on RSVP.

    def check_door_open(self) -> None:
        """Check-ins make sense for evenings that take place."""
        if self.is_draft:
            raise RSVPError(_("This date is not published yet."))
        if self.is_cancelled:
            raise RSVPError(_("This Stammtisch has been cancelled."))

    def admit_at_door(self, member: User, by: User) -> RSVP:
        """A member at the door without a seat: going and checked in at once.

        The Orga-Team's override of the seat limit: whoever is in the pub is here,
        even on a full evening. No confirmation mail: they are already there.
        """
        self.check_door_open()
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=self.pk)
            rsvp = RSVP.objects.filter(event=event, member=member).first()
            if rsvp is not None and rsvp.is_going and rsvp.is_checked_in:
                return rsvp
            added = rsvp is None
            rsvp = rsvp or RSVP(event=event, member=member)
            rsvp.status, rsvp.waiting_since = RSVPStatus.GOING, None
            # Whoever stands at the door is here in person.
            rsvp.attendance = Attendance.IN_PERSON
            rsvp.checked_in_at = rsvp.checked_in_at or timezone.now()
            rsvp.save()
            record(by, rsvp, gettext("Let in at the door."), added=added)
        return rsvp

    def move_up(self, rsvp: RSVP, by: User) -> RSVP:
        """The Orga-Team gives someone on the waiting list a seat by hand, out of
        turn and even on a full evening (their override, like at the door); the
        member gets the "you're in" mail."""
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=self.pk)
            event.check_rsvp_changeable()
            current = RSVP.objects.select_for_update().get(pk=rsvp.pk, event=event)
            if not current.is_waiting:
                raise RSVPError(_("This member is not on the waiting list any more."))
            current.status, current.waiting_since = RSVPStatus.GOING, None
            current.promoted_at = timezone.now()
            current.save(
                update_fields=["status", "waiting_since", "promoted_at", "updated_at"]
            )
            current.notify(MailKind.PROMOTION)
            record(by, current, gettext("Moved up from the waiting list by hand."))
        return current

    def check_in_by_code(self, code: str, by: User) -> "CodeCheckIn":
        """A member's QR code scanned at the door: checked in once; a second scan
        says they are here already. A code for another evening, a forged one or
        one whose RSVP is gone is refused with words for the Orga-Team."""
        try:
            event_id, rsvp_id = RSVP.read_checkin_code(code)
        except signing.BadSignature as exc:
            raise RSVPError(
                _(
                    "This is not a check-in code of this site (or it was "
                    "altered). Please find the person with the search."
                )
            ) from exc
        if event_id != self.pk:
            other = Event.objects.filter(pk=event_id).first()
            if other is None:
                raise RSVPError(_("This code is for an evening that no longer exists."))
            raise RSVPError(
                _("This code is for another evening: %(title)s, %(date)s.")
                % {"title": other.title, "date": format_local(other.starts_at, "long")}
            )
        rsvp = (
            RSVP.objects.select_related("member__profile")
            .filter(pk=rsvp_id, event=self)
            .first()
        )
        if rsvp is None:
            raise RSVPError(_("This code belongs to an answer that no longer exists."))
        rsvp.event = self
        return CodeCheckIn(rsvp, rsvp.check_in(by=by))

    def change_capacity(
        self, capacity: int | None, *, online_capacity: Any = ...
    ) -> list[RSVP]:
        """Change the number of seats (and, if given, of online places); the
        waiting lists move up into new ones (and are told). Returns who moved up."""
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=self.pk)
            locked.capacity = capacity
            if online_capacity is not ...:
                locked.online_capacity = online_capacity
            locked.clean()
            locked.save(update_fields=["capacity", "online_capacity", "updated_at"])
            self.capacity = capacity
            self.online_capacity = locked.online_capacity
            return locked._fill_free_seats()

    def notify_attendees(
        self, kind: str, previous: dict[str, str] | None = None
    ) -> None:
        """E-mail everyone going or waiting if the change commits, in the background;
        `previous` (previous_details()) tells the mail what it was before."""
        enqueue_with_transaction(
            "events.tasks.notify_attendees", self.pk, str(kind), previous
        )

    def people_to_tell(self) -> int:
        """How many members a change of this evening e-mails (going or waiting)."""
        return self.rsvps.active().count()

    def who_is_coming(self, viewer: Viewer | None) -> WhoIsComing:
        """The faces the viewer may see among those going, and how many others."""
        going = self.going_count
        if not going or self.is_past or self.status != EventStatus.PUBLISHED:
            return WhoIsComing([], going)
        shown = [
            rsvp
            for rsvp in self.rsvps.attendee_list(viewer)[:ATTENDEES_SHOWN]
            if rsvp.member.profile.is_visible_to(viewer)
        ]
        return WhoIsComing(shown, max(going - len(shown), 0))

    # The seats bar: places in the room, or online places on an online evening.
    # All need with_rsvp_counts().

    @property
    def seat_capacity(self) -> int | None:
        if self.attendance_mode == AttendanceMode.ONLINE:
            return self.online_capacity
        return self.capacity

    @property
    def seats_taken(self) -> int:
        online = self.online_going_count
        if self.attendance_mode == AttendanceMode.ONLINE:
            return online
        return self.going_count - online

    @property
    def seats_left(self) -> int | None:
        """Free seats (None: no limit)."""
        if self.seat_capacity is None:
            return None
        return max(self.seat_capacity - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.seat_capacity is not None and self.seats_taken >= self.seat_capacity

    @property
    def seats_fill_step(self) -> int:
        """Share of seats taken in steps of 5 % for the seats bar (CSS classes)."""
        return _fill_step(self.seats_taken, self.seat_capacity)

    # A hybrid evening's online places, next to the seats in the room.

    @property
    def online_is_full(self) -> bool:
        return (
            self.online_capacity is not None
            and self.online_going_count >= self.online_capacity
        )

    @property
    def online_fill_step(self) -> int:
        return _fill_step(self.online_going_count, self.online_capacity)

    @property
    def uid(self) -> str:
        """The calendar UID: stable for the life of the event, whatever is edited."""
        return f"event-{self.pk}@somehub"

    @property
    def description_html(self) -> SafeString:
        return mark_safe(self.rendered_description)  # noqa: S308 - sanitised at save

    @property
    def summary(self) -> str:
        """One line for link previews and feeds."""
        return self.motto or self.title

    @property
    def series_name(self) -> str:
        return self.series.name if self.series is not None else settings.SITE_NAME

    def structured_data(self) -> dict[str, Any]:
        """schema.org Event data for search engines and link previews."""
        status = (
            "https://schema.org/EventCancelled"
            if self.status == EventStatus.CANCELLED
            else "https://schema.org/EventScheduled"
        )
        venue = self.venue
        place: dict[str, Any] = {
            "@type": "Place",
            "name": venue.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": venue.street,
                "postalCode": venue.postcode,
                "addressLocality": venue.city,
                "addressCountry": "DE",
            },
        }
        if venue.latitude is not None and venue.longitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(venue.latitude),
                "longitude": float(venue.longitude),
            }
        # The online link is for those with an online place: never in here.
        online: dict[str, Any] = {
            "@type": "VirtualLocation",
            "name": gettext("Online"),
            "url": settings.SITE_URL + self.get_absolute_url(),
        }
        location: dict[str, Any] | list[dict[str, Any]]
        if self.attendance_mode == AttendanceMode.ONLINE:
            mode, location = "OnlineEventAttendanceMode", online
        elif self.attendance_mode == AttendanceMode.HYBRID:
            mode, location = "MixedEventAttendanceMode", [place, online]
        else:
            mode, location = "OfflineEventAttendanceMode", place
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": self.title,
            "description": self.motto or self.description[:300],
            "startDate": timezone.localtime(self.starts_at).isoformat(),
            "endDate": timezone.localtime(self.ends_at).isoformat(),
            "eventStatus": status,
            "eventAttendanceMode": f"https://schema.org/{mode}",
            "location": location,
            "url": settings.SITE_URL + self.get_absolute_url(),
            "organizer": {
                "@type": "Organization",
                "name": self.series_name,
                "url": settings.SITE_URL + "/",
            },
            "isAccessibleForFree": True,
        }
        if self.cover_image:
            data["image"] = [settings.SITE_URL + self.cover_image.url]
        return data
