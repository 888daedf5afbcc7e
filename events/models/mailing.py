"""Mail to a group of members: the Orga-Team's messages and the announcement of
a new date, with the log of who got what.

A mailing fixes its recipients when it is sent (one Delivery row per member, unique:
nobody is mailed twice by the same mailing), and the task worker sends the rows
in batches (events.tasks.send_mailing). A failing mail server leaves a row pending
for the next round; a row is claimed under a lock while it is sent, so two workers
never send the same one.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import MailTopic, User
from events.models.audit import record
from events.models.event import Event
from events.models.rsvp import RSVP, RSVPStatus
from events.models.status import EventStatus
from somehub.lib.dates import format_local
from somehub.lib.markdown import render_markdown
from somehub.lib.outbox import enqueue_with_transaction

logger = logging.getLogger(__name__)

# One run of the sending task sends at most this many mails, then queues the next
# batch: other mails (a sign-in code) need not wait behind a long mailing, and a
# worker that dies loses at most one batch's bookkeeping.
BATCH_SIZE = 50
# A recipient whose mail failed this often is given up on (logged as failed).
MAX_ATTEMPTS = 5
# The next round for failed mails, by the number of the round.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MONTHS = (1, 3, 6, 12)


class MailingKind(models.TextChoices):
    MESSAGE = "message", _("Message from the Orga-Team")
    ANNOUNCEMENT = "announcement", _("Announcement of a new date")


class Segment(models.TextChoices):
    """Whom a mailing goes to (among members who accept that kind of mail)."""

    EVERYONE = "everyone", _("All members")
    GOING = "going", _("Going to an evening")
    GOING_OR_WAITING = "going_waiting", _("Going or waiting for an evening")
    WAITING = "waiting", _("On the waiting list of an evening")
    NOT_GOING = "not_going", _("Said no to an evening")
    NO_ANSWER = "no_answer", _("Did not answer for an evening")
    ATTENDED = "attended", _("Were there (checked in at an evening)")
    NO_SHOW = "no_show", _("Were going but did not come (no-show)")
    ACTIVE = "active", _("Active in the last months (RSVP or check-in)")
    INACTIVE = "inactive", _("Inactive in the last months")
    MEMBER = "member", _("One member")


EVENT_SEGMENTS = frozenset(
    {
        Segment.GOING,
        Segment.GOING_OR_WAITING,
        Segment.WAITING,
        Segment.NOT_GOING,
        Segment.NO_ANSWER,
        Segment.ATTENDED,
        Segment.NO_SHOW,
    }
)
# Only an evening that has begun has people who were there, or were not.
STARTED_EVENT_SEGMENTS = frozenset({Segment.ATTENDED, Segment.NO_SHOW})
MONTH_SEGMENTS = frozenset({Segment.ACTIVE, Segment.INACTIVE})
RSVP_STATUSES = {
    Segment.GOING: [RSVPStatus.GOING],
    Segment.GOING_OR_WAITING: [RSVPStatus.GOING, RSVPStatus.WAITING],
    Segment.WAITING: [RSVPStatus.WAITING],
    Segment.NOT_GOING: [RSVPStatus.NOT_GOING],
}


def reachable_members() -> models.QuerySet[User]:
    """Members one may write to at all: active, with a confirmed address."""
    confirmed = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.filter(Exists(confirmed), is_active=True)


def accepting(topic: MailTopic) -> Q:
    return Q(**{f"profile__{MailTopic(topic).field}": True})


@dataclass(frozen=True)
class Audience:
    """A segment with its parameters: the evening, the months or the member."""

    segment: str
    event: Event | None = None
    months: int | None = None
    member: User | None = None
    topic: MailTopic = MailTopic.ORGA_MESSAGES

    def check(self) -> None:
        """ValidationError when a parameter the segment needs is missing."""
        segment = Segment(self.segment)
        if segment in EVENT_SEGMENTS and self.event is None:
            raise ValidationError(_("Choose the evening."), code="event")
        if (
            segment in STARTED_EVENT_SEGMENTS
            and self.event is not None
            and not self.event.has_started
        ):
            raise ValidationError(
                _("This evening has not begun yet: nobody was there yet."),
                code="event",
            )
        if segment in MONTH_SEGMENTS and self.months not in MONTHS:
            raise ValidationError(_("Choose the months."), code="months")
        if segment == Segment.MEMBER and self.member is None:
            raise ValidationError(_("Choose the member."), code="member")

    def cutoff(self, now: datetime | None = None) -> datetime:
        return (now or timezone.now()) - relativedelta(months=self.months or 0)

    def group(self, now: datetime | None = None) -> models.QuerySet[User]:
        """Everyone in the segment, whatever they chose to receive."""
        segment = Segment(self.segment)
        members = reachable_members()
        rsvps = RSVP.objects.filter(member=OuterRef("pk"))
        if self.event is not None:
            of_event = rsvps.filter(event=self.event)
        if segment in RSVP_STATUSES:
            return members.filter(
                Exists(of_event.filter(status__in=RSVP_STATUSES[segment]))
            )
        if segment == Segment.NO_ANSWER:
            return members.exclude(Exists(of_event))
        if segment == Segment.ATTENDED:
            return members.filter(Exists(of_event.filter(checked_in_at__isnull=False)))
        if segment == Segment.NO_SHOW:
            return members.filter(
                Exists(
                    of_event.filter(status=RSVPStatus.GOING, checked_in_at__isnull=True)
                )
            )
        if segment in MONTH_SEGMENTS:
            since = self.cutoff(now)
            active = Exists(
                rsvps.filter(Q(created_at__gte=since) | Q(checked_in_at__gte=since))
            )
            if segment == Segment.ACTIVE:
                return members.filter(active)
            # Inactive: a member for that long, and no RSVP or check-in since.
            return members.filter(date_joined__lt=since).exclude(active)
        if segment == Segment.MEMBER:
            if self.member is None:
                return members.none()
            return members.filter(pk=self.member.pk)
        return members

    def recipients(self, now: datetime | None = None) -> models.QuerySet[User]:
        """The group, narrowed to those who accept this kind of mail."""
        return (
            self.group(now)
            .filter(accepting(self.topic))
            .select_related("profile")
            .order_by("pk")
        )

    def describe(self) -> str:
        """The segment in words, for the composer and the log."""
        segment = Segment(self.segment)
        label = str(segment.label)
        if self.topic == MailTopic.ANNOUNCEMENTS:
            return gettext("Members who want announcements of new dates")
        if self.event is not None and segment in EVENT_SEGMENTS:
            day = format_local(self.event.starts_at, "medium")
            return f"{label}: {self.event.title}, {day}"
        if segment in MONTH_SEGMENTS:
            return f"{label}: " + ngettext(
                "%(count)d month", "%(count)d months", self.months or 0
            ) % {"count": self.months}
        if segment == Segment.MEMBER and self.member is not None:
            return f"{label}: {self.member.display_name}"
        return label


class MailingManager(models.Manager["Mailing"]):
    def send_message(
        self,
        *,
        key: uuid.UUID,
        sender: User,
        audience: Audience,
        subject: str,
        body: str,
    ) -> tuple["Mailing", bool]:
        """The Orga-Team's message, sent once per composed message: the key is made
        when the composer is opened, so sending again (Back, reload, a second
        click) finds the mailing and sends nothing. Returns it and whether it is
        new."""
        existing = self.filter(idempotency_key=key).first()
        if existing is not None:
            return existing, False
        audience.check()
        mailing = self.model(
            kind=MailingKind.MESSAGE,
            segment=audience.segment,
            event=audience.event,
            months=audience.months,
            member=audience.member,
            sender=sender,
            subject=subject.strip(),
            body=body.strip(),
            idempotency_key=key,
        )
        try:
            with transaction.atomic():
                mailing.start(audience)
                record(
                    sender,
                    mailing,
                    gettext("Sent “%(subject)s” to %(count)d: %(audience)s.")
                    % {
                        "subject": mailing.subject,
                        "count": mailing.recipient_count,
                        "audience": audience.describe(),
                    },
                    added=True,
                )
        except IntegrityError:
            # The same composed message was sent at the same moment (double click).
            existing = self.filter(idempotency_key=key).first()
            if existing is None:
                raise
            return existing, False
        return mailing, True

    def announce(self, event: Event) -> "Mailing | None":
        """Queue the announcement of a published, coming evening to everyone who
        wants announcements; never twice for the same evening. None when there is
        nothing to announce (or it was announced already)."""
        if event.status != EventStatus.PUBLISHED or event.has_started:
            return None
        if self.filter(kind=MailingKind.ANNOUNCEMENT, event=event).exists():
            return None
        mailing = self.model(
            kind=MailingKind.ANNOUNCEMENT,
            segment=Segment.EVERYONE,
            event=event,
            subject=event.title,
        )
        audience = Audience(Segment.EVERYONE, topic=MailTopic.ANNOUNCEMENTS)
        try:
            with transaction.atomic():
                mailing.start(audience, allow_empty=True)
        except IntegrityError:
            return None  # announced at the same moment by someone else
        return mailing


class Mailing(models.Model):
    """One mail to a group of members: what, to whom, by whom, how it went."""

    kind = models.CharField(
        _("kind"), max_length=12, choices=MailingKind.choices, default="message"
    )
    segment = models.CharField(_("recipients"), max_length=16, choices=Segment.choices)
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailings",
        verbose_name=_("event"),
    )
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=5000, blank=True)
    body_html = models.TextField(blank=True, editable=False)
    idempotency_key = models.UUIDField(
        _("form key"), unique=True, default=uuid.uuid4, editable=False
    )
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    finished_at = models.DateTimeField(_("all mails out"), null=True, blank=True)

    objects = MailingManager()

    class Meta:
        verbose_name = _("mail to members")
        verbose_name_plural = _("mails to members")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An e-mail without a subject lands in spam folders and confuses people.
            models.CheckConstraint(
                condition=~Q(subject=""), name="mailing_has_subject"
            ),
            # Each evening is announced once, however often it is published.
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(kind="announcement"),
                name="mailing_one_announcement_per_event",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def topic(self) -> MailTopic:
        if self.kind == MailingKind.ANNOUNCEMENT:
            return MailTopic.ANNOUNCEMENTS
        return MailTopic.ORGA_MESSAGES

    @property
    def audience(self) -> Audience:
        return Audience(
            self.segment, self.event, self.months, self.member, topic=self.topic
        )

    def start(self, audience: Audience, *, allow_empty: bool = False) -> None:
        """Save, fix the recipients (one Delivery each) and queue the sending, all
        in the caller's transaction (somehub.lib.outbox)."""
        self.body_html = self.render_body()
        recipients = list(audience.recipients().values_list("pk", flat=True))
        if not recipients and not allow_empty:
            raise ValidationError(
                _("Nobody in this group accepts messages from the Orga-Team."),
                code="no_recipients",
            )
        self.recipient_count = len(recipients)
        if not recipients:
            self.finished_at = timezone.now()
        self.save()
        Delivery.objects.bulk_create(
            Delivery(mailing=self, member_id=member_id) for member_id in recipients
        )
        if recipients:
            enqueue_with_transaction("events.tasks.send_mailing", self.pk)

    def render_body(self) -> str:
        """The Markdown text as safe HTML (sanitised by render_markdown)."""
        return str(render_markdown(self.body)) if self.body else ""

    @property
    def body_as_html(self) -> SafeString:
        return mark_safe(self.body_html)  # noqa: S308 - sanitised when rendered

    # Sending ------------------------------------------------------------------------

    def send_batch(
        self, send: Callable[[User], None], round_: int = 0, size: int | None = None
    ) -> "BatchResult":
        """Send up to `size` pending mails of this round (rows tried `round_` times)
        with `send(member)`; a row that fails stays pending for the next round."""
        ids = list(
            self.deliveries.filter(status=DeliveryStatus.PENDING, attempts=round_)
            .order_by("pk")
            .values_list("pk", flat=True)[: size or BATCH_SIZE]
        )
        result = BatchResult()
        for pk in ids:
            outcome = self._send_one(pk, send)
            if outcome is not None:
                setattr(result, outcome, getattr(result, outcome) + 1)
        pending = self.deliveries.filter(status=DeliveryStatus.PENDING)
        result.more_this_round = pending.filter(attempts=round_).exists()
        result.retry = pending.filter(attempts=round_ + 1).exists()
        if not pending.exists():
            Mailing.objects.filter(pk=self.pk, finished_at__isnull=True).update(
                finished_at=timezone.now()
            )
        return result

    def _send_one(self, delivery_id: int, send: Callable[[User], None]) -> str | None:
        # The row stays locked while its mail is handed to the mail server: a
        # second worker skips it, and finds it delivered afterwards.
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("member__profile")
                .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
                .first()
            )
            if delivery is None:
                return None  # another worker has it, or it went out already
            member = delivery.member
            profile = getattr(member, "profile", None)
            if not member.is_active or profile is None or not profile.wants(self.topic):
                # Unsubscribed (or left) since the mailing was sent.
                delivery.status = DeliveryStatus.SKIPPED
                delivery.save(update_fields=["status"])
                return "skipped"
            delivery.attempts += 1
            try:
                send(member)
            except Exception as exc:
                logger.exception(
                    "Mailing %s to member %s failed (attempt %s)",
                    self.pk,
                    member.pk,
                    delivery.attempts,
                )
                delivery.error = f"{type(exc).__name__}: {exc}"[:200]
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = DeliveryStatus.FAILED
                delivery.save(update_fields=["status", "attempts", "error"])
                return "failed"
            delivery.status = DeliveryStatus.DELIVERED
            delivery.sent_at = timezone.now()
            delivery.error = ""
            delivery.save(update_fields=["status", "attempts", "sent_at", "error"])
            return "delivered"

    def counts(self) -> dict[str, int]:
        """Deliveries by status (for the sent list: one query per mailing list)."""
        rows = self.deliveries.values("status").annotate(n=models.Count("pk"))
        return {row["status"]: row["n"] for row in rows}


@dataclass
class BatchResult:
    delivered: int = 0
    failed: int = 0
    skipped: int = 0
    more_this_round: bool = False
    retry: bool = False


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    DELIVERED = "delivered", _("delivered to the mail server")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("not sent: turned off meanwhile")


class Delivery(models.Model):
    """One recipient of a mailing, and how their mail went."""

    mailing = models.ForeignKey(
        Mailing,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("mailing"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["pk"]
        constraints = [
            # A mailing reaches each member once, however often it is sent.
            models.UniqueConstraint(
                fields=["mailing", "member"], name="delivery_once_per_member"
            ),
        ]
        indexes = [
            # The sending task picks the pending rows of one mailing.
            models.Index(fields=["mailing", "status"], name="delivery_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mailing} → {self.member_id}"
