from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RSVPStatus(models.TextChoices):
    GOING = "going", _("Going")
    WAITING = "waiting", _("On the waiting list")
    NOT_GOING = "not_going", _("Not going")


class RSVPQuerySet(models.QuerySet["RSVP"]):
    def going(self) -> "RSVPQuerySet":
        return self.filter(status=RSVPStatus.GOING)

    def waiting(self) -> "RSVPQuerySet":
        """The waiting list, first come first served."""
        return self.filter(status=RSVPStatus.WAITING).order_by("waiting_since", "pk")


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
    status = models.CharField(
        _("status"), max_length=10, choices=RSVPStatus.choices
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
