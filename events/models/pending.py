"""An RSVP waiting for its e-mail address to be proven: "I'm coming" in two steps.

A visitor types their address on the event page and presses "I'm coming". We keep
that wish here and e-mail a code and a link. Typing the code on the page, or opening
the link in any browser and pressing the one button there, proves the address: the
owner is logged in (a new account if needed) and the RSVP is made by the usual rules
(a seat, or a place on the waiting list).

Only hashes of the code and of the link's token are stored. A pending RSVP expires
after a while, is used at most once, and counts wrong codes: after a few it is dead,
so nobody can guess their way in.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.adapter import AccountAdapter
from accounts.models import DISPLAY_NAME_LENGTH, User, tidy_name
from events.models.status import Attendance

if TYPE_CHECKING:
    from events.models.event import Event

# Long enough to switch to the mail app and back, short enough for a guessed code
# to be worthless.
PENDING_RSVP_LIFETIME = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5
CODE_SALT = "events.PendingRSVP.code"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PendingRSVPQuerySet(models.QuerySet["PendingRSVP"]):
    def usable(self, now: datetime | None = None) -> "PendingRSVPQuerySet":
        """Not used, not expired, not blocked by wrong codes."""
        return self.filter(
            used_at__isnull=True,
            expires_at__gt=now or timezone.now(),
            code_attempts__lt=MAX_CODE_ATTEMPTS,
        )

    def for_link(self, token: str) -> "PendingRSVP | None":
        """The pending RSVP behind a link from the e-mail (used or not), or None."""
        if not token or len(token) > 100:
            return None
        found = self.select_related("event__venue").filter(
            token_hash=_token_hash(token)
        )
        return found.first()


class PendingRSVP(models.Model):
    """ "I'm coming" from someone whose address is not proven yet."""

    event = models.ForeignKey(
        "events.Event",
        on_delete=models.CASCADE,
        related_name="pending_rsvps",
        verbose_name=_("event"),
    )
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=DISPLAY_NAME_LENGTH, blank=True)
    language = models.CharField(_("language"), max_length=5, default="de")
    # On a hybrid evening: in person or online, as chosen in the form.
    attendance = models.CharField(
        _("taking part"),
        max_length=10,
        choices=Attendance.choices,
        default=Attendance.IN_PERSON,
    )
    code_hash = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    objects = PendingRSVPQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending RSVP")
        verbose_name_plural = _("pending RSVPs")
        constraints = [
            # Addresses are compared as typed by the start step: always lower case.
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")),
                name="pendingrsvp_email_lower",
            ),
            # A pending RSVP that never expires would be a password that never dies.
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="pendingrsvp_expires_after_creation",
            ),
        ]
        indexes = [
            # Old rows are deleted by age (delete_stale).
            models.Index(fields=["expires_at"], name="pendingrsvp_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.event_id}"

    # Set by start() only: the code and the link's token exist in the e-mail, and
    # here just long enough to write it.
    code: str = ""
    token: str = ""

    @classmethod
    def start(
        cls,
        event: "Event",
        email: str,
        *,
        name: str = "",
        language: str = "de",
        attendance: str = Attendance.IN_PERSON,
    ) -> "PendingRSVP":
        """Keep the wish to come, with a fresh code and link (`code`, `token`)."""
        code = get_adapter().generate_login_code()
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        pending = cls(
            event=event,
            email=User.objects.normalize_email(email.strip()).lower(),
            name=tidy_name(name),
            language=language if language in ("de", "en") else "de",
            attendance=event.attendance_for(attendance),
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + PENDING_RSVP_LIFETIME,
        )
        pending.code_hash = pending._hash_code(code)
        pending.save()
        cls.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
        pending.code, pending.token = code, token
        return pending

    def _hash_code(self, code: str) -> str:
        # Normalised as allauth does: dashes, spaces and letter case do not matter.
        normalised = "".join(ch for ch in code if ch.isalnum()).lower()
        text = f"{self.token_hash}:{normalised}"
        return salted_hmac(CODE_SALT, text, algorithm="sha256").hexdigest()

    @property
    def is_usable(self) -> bool:
        return (
            self.used_at is None
            and self.expires_at > timezone.now()
            and self.code_attempts < MAX_CODE_ATTEMPTS
        )

    def check_code(self, code: str) -> bool:
        """Is this the code we sent? Every try counts (atomically, so parallel
        guesses count too); after MAX_CODE_ATTEMPTS wrong ones it is dead."""
        counted = (
            PendingRSVP.objects.usable()
            .filter(pk=self.pk)
            .update(code_attempts=F("code_attempts") + 1)
        )
        if not counted:
            self.refresh_from_db(fields=["code_attempts", "used_at"])
            return False
        if code and constant_time_compare(self._hash_code(code), self.code_hash):
            # A right code is not a wrong attempt.
            PendingRSVP.objects.filter(pk=self.pk).update(
                code_attempts=F("code_attempts") - 1
            )
            return True
        self.refresh_from_db(fields=["code_attempts"])
        return False

    def accept(self) -> tuple[User, bool] | None:
        """Use it, once: the address is proven. Returns the member who owns it (a new
        account, named as the visitor asked, if there is none) and whether the
        account is new; None when it was used, expired or blocked meanwhile."""
        now = timezone.now()
        # One transaction: should the account fail, the pending RSVP stays usable.
        with transaction.atomic():
            usable = PendingRSVP.objects.usable(now).filter(pk=self.pk)
            if not usable.update(used_at=now):
                return None
            accepted = User.objects.for_confirmed_address(
                self.email, name=self.name, language=self.language
            )
        self.used_at = now
        return accepted

    def send_code(self) -> bool:
        """E-mail the code and the link (right after start()); returns whether the
        mail went out (the caller tells the visitor when it did not)."""
        adapter = cast(AccountAdapter, get_adapter())
        return adapter.send_mail(
            "events/email/rsvp_code",
            self.email,
            self.mail_context(),
            tell_visitor=False,
        )

    def mail_context(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "name": self.name,
            "code": self.code,
            "link": self.link_url(),
            "minutes": int(PENDING_RSVP_LIFETIME.total_seconds() // 60),
        }

    def link_url(self) -> str:
        return settings.SITE_URL + reverse(
            "events:rsvp-link", kwargs={"slug": self.event.slug, "token": self.token}
        )
