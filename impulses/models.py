"""Topic wishes, votes, Impuls proposals and the agenda of an evening.

The rules live here as domain methods (`wish.vote(member)`, `proposal.accept(...)`,
`proposal.schedule(event, at)`); views and the admin only call them.
"""

import logging
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.limits import Limit
from accounts.models import OrdinaryMember, User, Viewer
from events.models import Event, EventStatus
from somehub.lib.fields import OneLineCharField
from somehub.lib.mail import build_mail
from somehub.lib.queries import count_per_row

logger = logging.getLogger(__name__)

# Staff powers are Django permissions: who may change proposals is an organizer.
ORGANIZER_PERMISSION = "impulses.change_proposal"
WISH_ORGANIZER_PERMISSION = "impulses.change_wish"


# Rate limits on members' writes (accounts.limits). Each write also starts a new
# generation of the page cache, so these bound how often one member can empty it.
WISH_LIMIT = Limit(
    "wish",
    5,
    timedelta(hours=1),
    _(
        "You have added %(count)s wishes in the last %(minutes)s minutes. Please "
        "wait a little before you add the next one."
    ),
    exempt_permission=WISH_ORGANIZER_PERMISSION,
)
VOTE_LIMIT = Limit(
    "vote",
    20,
    timedelta(minutes=10),
    _(
        "You have voted %(count)s times in the last %(minutes)s minutes. Please "
        "wait a few minutes before you vote again."
    ),
)
PROPOSAL_LIMIT = Limit(
    "proposal",
    10,
    timedelta(hours=1),
    _(
        "You have sent or changed %(count)s proposals in the last %(minutes)s "
        "minutes. Please wait a little before you send the next one."
    ),
    exempt_permission=ORGANIZER_PERMISSION,
)


def _is_member(user: Viewer | None) -> TypeGuard[User | OrdinaryMember]:
    return user is not None and user.is_authenticated


# --- Topic wishes ----------------------------------------------------------------


class WishStatus(models.TextChoices):
    OPEN = "open", _("Open")
    TAKEN_UP = "taken_up", _("Taken up")
    CLOSED = "closed", _("Closed")


class WishQuerySet(models.QuerySet["Wish"]):
    def open(self) -> "WishQuerySet":
        return self.filter(status=WishStatus.OPEN)

    def visible_to(self, user: Viewer | None) -> "WishQuerySet":
        """Closed wishes are for their author and the Orga-Team; the rest is public.

        A merged wish stays visible: its address leads to the one it was merged into.
        """
        shown = ~Q(status=WishStatus.CLOSED) | Q(merged_into__isnull=False)
        if _is_member(user):
            if user.has_perm(WISH_ORGANIZER_PERMISSION):
                return self.all()
            return self.filter(shown | Q(author=user))
        return self.filter(shown)

    def with_vote_counts(self, viewer: Viewer | None = None) -> "WishQuerySet":
        """Adds `vote_count` and, for a member, `has_voted`: no query per row.

        A subquery, not a join with GROUP BY, so that counting the wishes (the
        paginator) stays a plain COUNT of wishes: 0.4 instead of 1.0 ms with the
        benchmark's 400 wishes and 2,000 votes."""
        votes = Vote.objects.filter(wish=OuterRef("pk"))
        qs = self.annotate(vote_count=Coalesce(count_per_row(votes, "wish"), 0))
        if _is_member(viewer):
            own_vote = Vote.objects.filter(wish=OuterRef("pk"), member_id=viewer.pk)
            qs = qs.annotate(has_voted=Exists(own_vote))
        return qs

    def add(self, author: User, title: str, context: str = "") -> "Wish":
        """A member's new wish, within WISH_LIMIT (raises RateLimited beyond it)."""
        with WISH_LIMIT.use(author):
            return self.create(author=author, title=title, context=context)

    def wish_for_challenge(self, author: User, challenge: str) -> tuple["Wish", bool]:
        """A wish from a member's profile challenge; the same one is not added twice."""
        text = " ".join(challenge.split())
        title = Truncator(text).chars(200)
        existing = (
            self.filter(author=author, title=title)
            .exclude(status=WishStatus.CLOSED)
            .first()
        )
        if existing is not None:
            return existing, False
        context = text[:500] if title != text else ""
        return self.add(author, title, context), True

    def by_popularity(self) -> "WishQuerySet":
        """Most votes first; among equals, the wish that has waited longest."""
        return self.order_by("-vote_count", "created_at", "pk")


class Wish(models.Model):
    """A topic a member would like to hear an Impuls about."""

    title = OneLineCharField(_("topic"), max_length=200)
    context = models.CharField(
        _("context"),
        max_length=500,
        blank=True,
        help_text=_("Optional: one line on why this matters to you."),
    )
    # The wish outlives its author's account: others have voted for it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topic_wishes",
        verbose_name=_("author"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WishStatus.choices, default=WishStatus.OPEN
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_wishes",
        verbose_name=_("merged into"),
    )
    taken_up_event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken up at"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WishQuerySet.as_manager()

    # Set by impulses.views.with_summaries; not a column.
    summary: SafeString

    class Meta:
        verbose_name = _("topic wish")
        verbose_name_plural = _("topic wishes")
        ordering = ["-created_at"]
        indexes = [
            # The wish list filters open wishes and breaks vote ties by age.
            models.Index(
                fields=["status", "created_at"], name="wish_status_created_idx"
            ),
        ]
        constraints = [
            # Status values outside the choices would hide a wish from every list.
            models.CheckConstraint(
                condition=Q(status__in=WishStatus.values), name="wish_status_valid"
            ),
            # A merged wish is closed: its votes live on in the other one.
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status=WishStatus.CLOSED),
                name="wish_merged_is_closed",
            ),
            # Merging a wish into itself would delete its votes.
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="wish_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("impulses:wish-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.status == WishStatus.TAKEN_UP and self.taken_up_event_id is None:
            raise ValidationError(
                {"taken_up_event": _("Name the evening that takes this wish up.")}
            )

    @property
    def is_open(self) -> bool:
        return self.status == WishStatus.OPEN

    def is_visible_to(self, user: Viewer | None) -> bool:
        """As `Wish.objects.visible_to`; the author check costs no permission query."""
        if self.status != WishStatus.CLOSED or self.merged_into_id is not None:
            return True
        if not _is_member(user):
            return False
        return user.pk == self.author_id or bool(
            user.has_perm(WISH_ORGANIZER_PERMISSION)
        )

    def _locked(self) -> "Wish":
        """This wish's row, locked: votes, merges and closing take turns."""
        return Wish.objects.select_for_update().get(pk=self.pk)

    def vote(self, member: User) -> bool:
        """Give the member's vote; False if they had voted already. One vote each."""
        with VOTE_LIMIT.use(member):
            if self._locked().status != WishStatus.OPEN:
                raise ValidationError(
                    _("This wish is no longer open for votes."), code="closed"
                )
            _vote, created = Vote.objects.get_or_create(wish=self, member=member)
        return created

    def unvote(self, member: User) -> bool:
        """Take the member's vote back; False if there was none."""
        with VOTE_LIMIT.use(member):
            if self._locked().status != WishStatus.OPEN:
                raise ValidationError(
                    _("This wish is no longer open for votes."), code="closed"
                )
            deleted, _rows = Vote.objects.filter(wish=self, member=member).delete()
        return bool(deleted)

    def merge_into(self, other: "Wish") -> None:
        """Close this duplicate; its votes and proposals move to `other`."""
        if other.pk == self.pk:
            raise ValidationError(_("A wish cannot be merged into itself."))
        with transaction.atomic():
            # Lock both rows in id order so two opposite merges cannot deadlock.
            locked = {
                w.pk: w
                for w in Wish.objects.select_for_update()
                .filter(pk__in=[self.pk, other.pk])
                .order_by("pk")
            }
            if locked[other.pk].status == WishStatus.CLOSED:
                raise ValidationError(_("Merge into a wish that is not closed."))
            if locked[self.pk].merged_into_id is not None:
                raise ValidationError(_("This wish has been merged already."))
            both = Vote.objects.filter(wish=other).values("member")
            Vote.objects.filter(wish=self).exclude(member__in=both).update(wish=other)
            Vote.objects.filter(wish=self).delete()  # members who voted for both
            Proposal.objects.filter(wish=self).update(wish=other)
            self.status = WishStatus.CLOSED
            self.merged_into = other
            self.save(update_fields=["status", "merged_into", "updated_at"])

    def take_up(self, event: Event) -> None:
        self.status = WishStatus.TAKEN_UP
        self.taken_up_event = event
        self.save(update_fields=["status", "taken_up_event", "updated_at"])

    def close(self) -> None:
        self.status = WishStatus.CLOSED
        self.save(update_fields=["status", "updated_at"])

    def reopen(self) -> None:
        if self.merged_into_id is not None:
            raise ValidationError(_("A merged wish stays closed."))
        self.status = WishStatus.OPEN
        self.taken_up_event = None
        self.save(update_fields=["status", "taken_up_event", "updated_at"])


class Vote(models.Model):
    """One member's vote for one wish."""

    wish = models.ForeignKey(
        Wish, on_delete=models.CASCADE, related_name="votes", verbose_name=_("wish")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wish_votes",
        verbose_name=_("member"),
    )
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            # One vote per member and wish, even when two requests race.
            models.UniqueConstraint(
                fields=["wish", "member"], name="vote_once_per_wish"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.wish_id}"


# --- Impuls proposals --------------------------------------------------------------


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PUBLIC_STATUSES = [ProposalStatus.ACCEPTED, ProposalStatus.SCHEDULED]


class TalkLength(models.IntegerChoices):
    SHORT = 5, _("5 minutes")
    MEDIUM = 10, _("10 minutes")
    LONG = 15, _("15 minutes")


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def public(self) -> "ProposalQuerySet":
        """Accepted and scheduled proposals: their public parts are for everyone."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def visible_to(self, user: Viewer | None) -> "ProposalQuerySet":
        if _is_member(user):
            if user.has_perm(ORGANIZER_PERMISSION):
                return self.all()
            return self.filter(Q(status__in=PUBLIC_STATUSES) | Q(proposer=user))
        return self.public()

    def awaiting_date(self) -> "ProposalQuerySet":
        return self.filter(status=ProposalStatus.ACCEPTED)


# Which state each action may start from.
TRANSITIONS: dict[str, set[str]] = {
    "accept": {ProposalStatus.SUBMITTED, ProposalStatus.DECLINED},
    "decline": {ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED},
    "withdraw": {
        ProposalStatus.SUBMITTED,
        ProposalStatus.ACCEPTED,
        ProposalStatus.SCHEDULED,
    },
    "schedule": {ProposalStatus.ACCEPTED, ProposalStatus.SCHEDULED},
    "edit": {ProposalStatus.SUBMITTED},
}


class Proposal(models.Model):
    """A member's offer to give a short talk (an "Impuls") at a Stammtisch."""

    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="impuls_proposals",
        verbose_name=_("proposed by"),
    )
    title = OneLineCharField(_("title"), max_length=140)
    abstract = models.TextField(
        _("abstract"),
        max_length=2000,
        help_text=_("A few sentences: what will people take home?"),
    )
    length = models.PositiveSmallIntegerField(
        _("length"), choices=TalkLength.choices, default=TalkLength.MEDIUM
    )
    slides_url = models.URLField(
        _("link to slides"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Optional; you can add it after the evening, too."),
    )
    private_note = models.TextField(
        _("note to the Orga-Team"),
        max_length=1000,
        blank=True,
        help_text=_("Only the Orga-Team reads this."),
    )
    preferred_events = models.ManyToManyField(
        Event,
        blank=True,
        related_name="+",
        verbose_name=_("preferred dates"),
    )
    wish = models.ForeignKey(
        Wish,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("answers the wish"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.SUBMITTED,
    )
    organizer_message = models.TextField(
        _("message from the Orga-Team"), max_length=1000, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("Impuls proposal")
        verbose_name_plural = _("Impuls proposals")
        ordering = ["-created_at"]
        indexes = [
            # The review list and the public lists filter by status.
            models.Index(fields=["status", "-created_at"], name="proposal_status_idx"),
        ]
        constraints = [
            # Status values outside the choices would make a talk vanish.
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values),
                name="proposal_status_valid",
            ),
            # Talks are short by design: 5, 10 or 15 minutes.
            models.CheckConstraint(
                condition=Q(length__in=TalkLength.values), name="proposal_length_valid"
            ),
            # Only web links: a javascript: or data: URL must never become a link.
            models.CheckConstraint(
                condition=Q(slides_url="")
                | Q(slides_url__startswith="http://")
                | Q(slides_url__startswith="https://"),
                name="proposal_slides_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("impulses:proposal-detail", kwargs={"pk": self.pk})

    # Visibility ------------------------------------------------------------------

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def is_visible_to(self, user: Viewer | None) -> bool:
        """The owner check comes first: it costs no permission queries."""
        return self.is_public or self.shows_private_parts_to(user)

    def shows_private_parts_to(self, user: Viewer | None) -> bool:
        """The note, the preferred dates and the status before a decision."""
        if not _is_member(user):
            return False
        return user.pk == self.proposer_id or bool(user.has_perm(ORGANIZER_PERMISSION))

    # State changes ---------------------------------------------------------------

    def can(self, action: str) -> bool:
        if self.status not in TRANSITIONS[action]:
            return False
        if action == "withdraw" and self.status == ProposalStatus.SCHEDULED:
            # A talk that has been given stays on that evening's record.
            return all(not item.event.is_past for item in self.scheduled_items)
        return True

    @property
    def can_edit(self) -> bool:
        return self.can("edit")

    @property
    def can_withdraw(self) -> bool:
        return self.can("withdraw")

    def _require(self, action: str) -> None:
        if not self.can(action):
            raise ValidationError(
                _("A proposal that is %(status)s cannot be changed that way."),
                code="invalid_state",
                params={"status": self.get_status_display().lower()},
            )

    @cached_property
    def scheduled_items(self) -> list["AgendaItem"]:
        """The agenda lines of this talk (normally one), prefetched if possible."""
        items = self.agenda_items.all()
        if "agenda_items" not in getattr(self, "_prefetched_objects_cache", {}):
            items = items.select_related("event")
        return sorted(items, key=lambda item: item.starts_at)

    @property
    def scheduled_event(self) -> Event | None:
        items = self.scheduled_items
        return items[-1].event if items else None

    def accept(self, message: str = "") -> None:
        self._decide("accept", ProposalStatus.ACCEPTED, message)

    def decline(self, message: str = "") -> None:
        self._decide("decline", ProposalStatus.DECLINED, message)

    def _decide(self, action: str, status: str, message: str) -> None:
        self._require(action)
        self.status = status
        self.organizer_message = message
        self.decided_at = timezone.now()
        self.save(
            update_fields=["status", "organizer_message", "decided_at", "updated_at"]
        )
        self._mail_proposer_on_commit()

    def withdraw(self) -> None:
        """The proposer takes it back; an upcoming slot on an agenda is freed."""
        self._require("withdraw")
        with transaction.atomic():
            for item in self.scheduled_items:
                if (
                    self.wish is not None
                    and self.wish.taken_up_event_id == item.event_id
                ):
                    self.wish.reopen()
                item.delete()
            self.status = ProposalStatus.WITHDRAWN
            self.save(update_fields=["status", "updated_at"])
        self.__dict__.pop("scheduled_items", None)

    def schedule(self, event: Event, at: datetime) -> "AgendaItem":
        """Put the accepted talk on an evening's agenda at `at` (or move it there)."""
        self._require("schedule")
        if event.is_past or event.status == EventStatus.CANCELLED:
            raise ValidationError(
                _("Talks can only be scheduled for upcoming evenings."), code="past"
            )
        if not event.starts_at <= at < event.ends_at:
            raise ValidationError(
                _("The time must lie within the evening."), code="outside"
            )
        with transaction.atomic():
            self.agenda_items.filter(event__ends_at__gte=timezone.now()).delete()
            item = AgendaItem.objects.place(
                event,
                at,
                title=self.title,
                speaker_id=self.proposer_id,
                length=self.length,
                proposal=self,
            )
            self.status = ProposalStatus.SCHEDULED
            self.save(update_fields=["status", "updated_at"])
            if self.wish is not None and self.wish.status == WishStatus.OPEN:
                self.wish.take_up(event)
        self.__dict__.pop("scheduled_items", None)
        self._mail_proposer_on_commit()
        return item

    # E-mail ----------------------------------------------------------------------

    def _mail_proposer_on_commit(self) -> None:
        # Only a decision that was saved is announced; the mail goes after COMMIT.
        transaction.on_commit(self.mail_status_to_proposer)

    def mail_status_to_proposer(self) -> None:
        """Tell the proposer about the decision, in their language. Never raises."""
        try:
            self._status_mail().send()
        except Exception:
            logger.exception("Status mail for Impuls proposal %s failed", self.pk)

    def _status_mail(self) -> EmailMultiAlternatives:
        proposer = self.proposer
        profile = getattr(proposer, "profile", None)
        language = profile.preferred_language if profile else settings.LANGUAGE_CODE
        item = self.scheduled_items[-1] if self.scheduled_items else None
        with translation.override(language):
            context = {
                "proposal": self,
                "name": proposer.greeting_name,
                "item": item,
                "event_url": (
                    settings.SITE_URL + item.event.get_absolute_url() if item else ""
                ),
                "mine_url": settings.SITE_URL + reverse("impulses:proposal-mine"),
                "site_name": settings.SITE_NAME,
            }
            subjects = {
                ProposalStatus.ACCEPTED: gettext("Your Impuls has been accepted"),
                ProposalStatus.DECLINED: gettext("About your Impuls proposal"),
                ProposalStatus.SCHEDULED: gettext("Your Impuls is on the agenda"),
            }
            subject = f"{subjects[ProposalStatus(self.status)]}: {self.title}"
            text = render_to_string("impulses/email/proposal_status.txt", context)
            html = render_to_string("impulses/email/proposal_status.html", context)
        # An answer to the member's own proposal: always sent, no unsubscribe.
        return build_mail(subject=subject, text=text, html=html, to=proposer.email)


# --- The agenda of an evening -------------------------------------------------------


class AgendaItemQuerySet(models.QuerySet["AgendaItem"]):
    def for_display(self) -> "AgendaItemQuerySet":
        """Everything an agenda line shows, in one query."""
        return self.select_related("speaker__profile", "proposal").order_by(
            "order", "starts_at", "pk"
        )

    def talks(self) -> "AgendaItemQuerySet":
        """Items with a speaker (a member or a guest): the evening's Impulse."""
        return self.exclude(speaker__isnull=True, speaker_name="")

    def on_published_events(self) -> "AgendaItemQuerySet":
        """Drafts are the Orga-Team's plans; cancelled evenings had no talks."""
        return self.filter(event__status=EventStatus.PUBLISHED)

    def place(self, event: Event, at: datetime, **fields: Any) -> "AgendaItem":
        """Insert an item at its time, shifting the later items down by one."""
        before = self.filter(event=event, starts_at__lte=at).aggregate(
            last=models.Max("order")
        )["last"]
        order = 1 if before is None else before + 1
        self.filter(event=event, order__gte=order).update(order=F("order") + 1)
        return self.create(event=event, starts_at=at, order=order, **fields)


class AgendaItem(models.Model):
    """One line on an evening's agenda: a talk, the welcome, the open round."""

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="agenda_items",
        verbose_name=_("event"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    starts_at = models.DateTimeField(_("time"))
    title = OneLineCharField(_("title"), max_length=140)
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("speaker (member)"),
    )
    speaker_name = models.CharField(
        _("guest speaker"),
        max_length=120,
        blank=True,
        help_text=_("For a speaker without an account."),
    )
    length = models.PositiveSmallIntegerField(
        _("length in minutes"), null=True, blank=True
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("proposal"),
    )

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["event", "order", "starts_at"]
        indexes = [
            # The agenda of one event is read in order on every event page.
            models.Index(fields=["event", "order"], name="agenda_event_order_idx"),
        ]
        constraints = [
            # A speaker is a member or a named guest, never both at once.
            models.CheckConstraint(
                condition=Q(speaker__isnull=True) | Q(speaker_name=""),
                name="agenda_one_kind_of_speaker",
            ),
            # A talk of zero minutes would break the evening's timing.
            models.CheckConstraint(
                condition=Q(length__isnull=True) | Q(length__gte=1),
                name="agenda_length_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%H:%M})"

    def clean(self) -> None:
        if self.speaker_id and self.speaker_name:
            raise ValidationError(
                {"speaker_name": _("Choose a member or name a guest, not both.")}
            )
        event = self.event if self.event_id else None
        if (
            event
            and self.starts_at
            and not (event.starts_at <= self.starts_at < event.ends_at)
        ):
            raise ValidationError(
                {"starts_at": _("The time must lie within the evening.")}
            )

    @property
    def speaker_display(self) -> str:
        if self.speaker is not None:
            return self.speaker.display_name
        return self.speaker_name

    @property
    def public_proposal(self) -> Proposal | None:
        """The linked proposal, if its page is open to everyone."""
        proposal = self.proposal
        return proposal if proposal is not None and proposal.is_public else None

    @property
    def slides_url(self) -> str:
        proposal = self.public_proposal
        return proposal.slides_url if proposal is not None else ""
