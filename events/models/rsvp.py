import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.limits import Limit
from accounts.models import Profile, User, Viewer
from events.models.audit import record
from events.models.status import Attendance, EventStatus
from somehub.lib.outbox import enqueue_with_transaction
from somehub.lib.qr import qr_png, qr_svg
from somehub.lib.queries import count_per_row

if TYPE_CHECKING:
    from events.models.event import Event

# A member's own changes of their answers (yes, no, cancel): plenty for anyone who
# changes their mind, not enough to keep the site's cached pages busy.
ANSWER_CHANGES = Limit(
    "rsvp",
    20,
    timedelta(minutes=10),
    _(
        "You have changed your answer %(count)s times in the last %(minutes)s "
        "minutes. Please wait a few minutes before you change it again."
    ),
)

# Reminders go out once the evening is less than this far away ("the day before").
REMINDER_LEAD = timedelta(hours=24)
# The "free my seat" link in a reminder stops working after this long.
FREE_SEAT_LINK_MAX_AGE = timedelta(days=3)
FREE_SEAT_SALT = "events.rsvp.free-seat"
# The check-in code names the evening and the RSVP by number only: no name, no
# address, nothing a stranger who photographs it learns about the member.
CHECKIN_CODE_SALT = "events.rsvp.checkin-code"


class RSVPStatus(models.TextChoices):
    GOING = "going", _("Going")
    WAITING = "waiting", _("On the waiting list")
    NOT_GOING = "not_going", _("Not going")


class RSVPError(Exception):
    """Why an RSVP cannot be changed right now, in words for the member."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = str(message)  # in the language of the request that raised it


class MailKind(models.TextChoices):
    """The e-mails a member gets about their RSVP; each has its own templates."""

    CONFIRMATION = "confirmation", _("RSVP confirmation")
    PROMOTION = "promotion", _("Moved up from the waiting list")
    EVENT_CHANGED = "event_changed", _("Date or venue changed")
    EVENT_CANCELLED = "event_cancelled", _("Stammtisch cancelled")
    EVENT_REINSTATED = "event_reinstated", _("Stammtisch takes place after all")
    REMINDER = "reminder", _("Reminder")


class RSVPQuerySet(models.QuerySet["RSVP"]):
    def going(self) -> "RSVPQuerySet":
        return self.filter(status=RSVPStatus.GOING)

    def waiting(self) -> "RSVPQuerySet":
        """The waiting list, first come first served."""
        return self.filter(status=RSVPStatus.WAITING).order_by("waiting_since", "pk")

    def active(self) -> "RSVPQuerySet":
        """Going or waiting: the people an event change concerns."""
        return self.filter(status__in=[RSVPStatus.GOING, RSVPStatus.WAITING])

    def with_waiting_position(self) -> "RSVPQuerySet":
        """Annotate `waiting_position` (1 = next in line; None unless waiting)."""
        # Each way of taking part (in person, online) has its own waiting list.
        ahead = RSVP.objects.filter(
            event=OuterRef("event"),
            status=RSVPStatus.WAITING,
            attendance=OuterRef("attendance"),
        ).filter(
            Q(waiting_since__lt=OuterRef("waiting_since"))
            | Q(waiting_since=OuterRef("waiting_since"), pk__lte=OuterRef("pk"))
        )
        return self.annotate(
            waiting_position=models.Case(
                models.When(
                    status=RSVPStatus.WAITING,
                    then=Coalesce(count_per_row(ahead, "event"), 1),
                ),
                default=None,
                output_field=models.IntegerField(),
            )
        )

    def attendee_list(self, viewer: Viewer | None) -> "RSVPQuerySet":
        """People going who allow attendee lists, narrowed in SQL for visitors.

        For a logged-in viewer finish with `Profile.is_visible_to()`: it asks
        for permissions only when an organizers-only profile is among them,
        which keeps the usual page free of a permission query.
        """
        rsvps = (
            self.going()
            .filter(member__profile__show_in_attendee_lists=True)
            .select_related("member__profile")
            .order_by("created_at", "pk")
        )
        if viewer is None or not viewer.is_authenticated:
            rsvps = rsvps.filter(member__profile__in=Profile.objects.visible_to(viewer))
        return rsvps

    def upcoming(self, now: datetime | None = None) -> "RSVPQuerySet":
        return self.filter(event__ends_at__gte=now or timezone.now()).order_by(
            "event__starts_at"
        )

    def past(self, now: datetime | None = None) -> "RSVPQuerySet":
        return self.filter(event__ends_at__lt=now or timezone.now()).order_by(
            "-event__starts_at"
        )

    def due_for_reminder(self, now: datetime | None = None) -> "RSVPQuerySet":
        """Seats whose holder wants reminders and was not reminded, at evenings
        that start within a day; where the evening (or its series) names a
        reminder time, only from that time on the day itself."""
        now = now or timezone.now()
        local = timezone.localtime(now)
        zone = timezone.get_current_timezone()
        return (
            self.going()
            .filter(
                reminder_sent_at__isnull=True,
                member__profile__notify_reminders=True,
                event__status=EventStatus.PUBLISHED,
                event__starts_at__gt=now,
                event__starts_at__lte=now + REMINDER_LEAD,
            )
            .alias(
                send_at=Coalesce(
                    "event__reminder_time", "event__series__reminder_time"
                ),
                event_day=TruncDate("event__starts_at", tzinfo=zone),
            )
            .filter(
                Q(send_at__isnull=True)
                | Q(event_day=local.date(), send_at__lte=local.time())
            )
        )

    def send_reminders(self, now: datetime | None = None) -> int:
        """Queue each due reminder once, ever; safe to run as often as you like."""
        now = now or timezone.now()
        sent = 0
        for rsvp in self.due_for_reminder(now).only("pk"):
            if rsvp.claim_reminder(now):
                rsvp.notify(MailKind.REMINDER)
                sent += 1
        return sent


class RSVP(models.Model):
    """A member's answer to one event: going, waiting for a seat, or not going."""

    event = models.ForeignKey(
        "events.Event",
        on_delete=models.CASCADE,
        related_name="rsvps",
        verbose_name=_("event"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rsvps",
        verbose_name=_("member"),
    )
    status = models.CharField(_("status"), max_length=10, choices=RSVPStatus.choices)
    attendance = models.CharField(
        _("taking part"),
        max_length=10,
        choices=Attendance.choices,
        default=Attendance.IN_PERSON,
    )
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    promoted_at = models.DateTimeField(
        _("moved up from the waiting list"), null=True, blank=True
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RSVPQuerySet.as_manager()

    # Set by RSVPQuerySet.with_waiting_position(): 1 for the next in line.
    waiting_position: int | None

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        ordering = ["created_at"]
        constraints = [
            # One answer per member and event: double submits update, never duplicate.
            models.UniqueConstraint(
                fields=["event", "member"], name="rsvp_one_per_member_event"
            ),
            # Status values outside the choices would break seat counting.
            models.CheckConstraint(
                condition=Q(status__in=RSVPStatus.values), name="rsvp_status_valid"
            ),
            # Seats are counted per way of taking part: an unknown one has none.
            models.CheckConstraint(
                condition=Q(attendance__in=Attendance.values),
                name="rsvp_attendance_valid",
            ),
        ]
        indexes = [
            # Seat counts and the waiting list filter RSVPs by event and status.
            models.Index(
                fields=["event", "status", "waiting_since"],
                name="rsvp_event_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.event} ({self.get_status_display()})"

    @property
    def is_going(self) -> bool:
        return self.status == RSVPStatus.GOING

    @property
    def is_waiting(self) -> bool:
        return self.status == RSVPStatus.WAITING

    @property
    def is_active(self) -> bool:
        return self.status in (RSVPStatus.GOING, RSVPStatus.WAITING)

    @property
    def is_online(self) -> bool:
        return self.attendance == Attendance.ONLINE

    @property
    def online_url(self) -> str:
        """The evening's online link, for this member only if they have an online
        place (never for those waiting, nor for those coming in person)."""
        if self.is_going and self.is_online:
            return str(self.event.online_url)
        return ""

    # Door check-in: the Orga-Team marks who actually came. Both methods
    # set a state rather than flip it, so a double tap or a retried request on a
    # flaky connection changes nothing; each change lands in the admin's log.

    @property
    def is_checked_in(self) -> bool:
        return self.checked_in_at is not None

    def check_in(self, by: User) -> bool:
        """Here. Someone not going (waiting, or said no) is let in at the door.
        False when they were checked in already (a second scan, a double tap)."""
        if not self.is_going:
            was_here = self.is_checked_in
            self.event.admit_at_door(self.member, by=by)
            self.refresh_from_db()
            return not was_here
        self.event.check_door_open()
        now = timezone.now()
        if RSVP.objects.filter(pk=self.pk, checked_in_at__isnull=True).update(
            checked_in_at=now, updated_at=now
        ):
            self.checked_in_at = now
            record(by, self, gettext("Checked in at the door."))
            return True
        self.refresh_from_db(fields=["checked_in_at"])
        return False

    def undo_check_in(self, by: User) -> None:
        """Not here after all (tapped the wrong name)."""
        if RSVP.objects.filter(pk=self.pk, checked_in_at__isnull=False).update(
            checked_in_at=None, updated_at=timezone.now()
        ):
            self.checked_in_at = None
            record(by, self, gettext("Check-in undone."))

    def cancel(self, version: str | None = None) -> list["RSVP"]:
        """Give up a seat or a waiting-list place; the next people waiting move up.

        Returns the RSVPs promoted into the freed seat. Cancelling twice is harmless.
        With `version`, only the RSVP in that version is cancelled (see free_seat).
        """
        promoted = self.event.take_back(self, version=version)
        self.refresh_from_db()
        return promoted

    def checkin_code(self) -> str:
        """The signed text in the member's QR code for the door (no expiry: it is
        good for this evening's RSVP only, and a copy can be checked in once)."""
        signer = signing.Signer(salt=CHECKIN_CODE_SALT)
        return signer.sign_object([self.event_id, self.pk])

    def checkin_qr_svg(self) -> SafeString:
        """The member's QR code for the door, for their own pages."""
        return qr_svg(
            self.checkin_code(),
            gettext("Your check-in code for %(title)s") % {"title": self.event.title},
        )

    def checkin_qr_png(self) -> bytes:
        """The same code as an image for their mails (no external image)."""
        return qr_png(self.checkin_code())

    @staticmethod
    def read_checkin_code(code: str) -> tuple[int, int]:
        """(event id, RSVP id) from a check-in code; raises signing.BadSignature."""
        signer = signing.Signer(salt=CHECKIN_CODE_SALT)
        value = signer.unsign_object(code.strip()[:200])
        if not (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        ):
            raise signing.BadSignature("Not a check-in code.")
        return value[0], value[1]

    def waiting_list_position(self) -> int | None:
        """1 for the next in line; None unless waiting."""
        if not self.is_waiting:
            return None
        return (
            RSVP.objects.filter(pk=self.pk)
            .with_waiting_position()
            .values_list("waiting_position", flat=True)  # type: ignore[misc]
            .get()
        )

    def claim_reminder(self, now: datetime) -> bool:
        """Mark the reminder sent unless another run got there first (atomic)."""
        claimed = RSVP.objects.filter(
            pk=self.pk, status=RSVPStatus.GOING, reminder_sent_at__isnull=True
        ).update(reminder_sent_at=now)
        return claimed == 1

    def notify(self, kind: str) -> None:
        """E-mail the member about this RSVP if, and once, the transaction commits.

        The mail is queued with the RSVP (an outbox, somehub.lib.outbox) and sent by
        a background task: a slow or broken mail server never blocks the request
        or rolls back the RSVP, and a crash right after COMMIT loses no mail.
        """
        enqueue_with_transaction("events.tasks.send_rsvp_email", str(kind), self.pk)

    @property
    def version(self) -> str:
        """Changes with every change of this RSVP (a freed seat, a new yes)."""
        return self.updated_at.isoformat() if self.updated_at else ""

    def free_seat_token(self) -> str:
        """A signed, expiring token for the reminder's one-click "free my seat".

        It names this RSVP as it is now: once the seat is freed, or the member
        says yes again, the link frees nothing any more.
        """
        return signing.dumps([self.pk, self.version], salt=FREE_SEAT_SALT)

    @classmethod
    def from_free_seat_token(cls, token: str) -> tuple["RSVP", str]:
        """The RSVP behind a token and the version it was made for; raises
        signing.SignatureExpired/BadSignature."""
        value = signing.loads(
            token, salt=FREE_SEAT_SALT, max_age=FREE_SEAT_LINK_MAX_AGE
        )
        if not (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], int)
            and isinstance(value[1], str)
        ):
            raise signing.BadSignature("Not an RSVP token.")
        pk, version = value
        try:
            rsvp = cls.objects.select_related("event__venue", "member__profile").get(
                pk=pk
            )
        except cls.DoesNotExist as exc:
            raise signing.BadSignature("The RSVP is gone.") from exc
        return rsvp, version

    def free_seat(self, version: str) -> list["RSVP"]:
        """Cancel from a reminder's link, if the RSVP is still the one it was made
        for (checked under the event's lock: a link works once)."""
        return self.cancel(version=version)

    def free_seat_url(self) -> str:
        return settings.SITE_URL + reverse(
            "events:free-seat",
            kwargs={"slug": self.event.slug, "token": self.free_seat_token()},
        )

    def export_data(self) -> dict[str, Any]:
        """This RSVP as plain data for the member's DSGVO export."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        event: Event = self.event
        return {
            "event": event.title,
            "event_url": settings.SITE_URL + event.get_absolute_url(),
            "starts_at": iso(event.starts_at),
            "status": self.status,
            "attendance": self.attendance,
            "waiting_since": iso(self.waiting_since),
            "promoted_at": iso(self.promoted_at),
            "checked_in_at": iso(self.checked_in_at),
            "reminder_sent_at": iso(self.reminder_sent_at),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


def renew_calendar_token(profile: Profile) -> str:
    """A fresh secret for the member's personal calendar feed; the old URL dies."""
    profile.calendar_token = secrets.token_urlsafe(32)
    profile.save(update_fields=["calendar_token", "updated_at"])
    return profile.calendar_token
