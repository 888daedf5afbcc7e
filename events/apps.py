from contextlib import suppress
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Stammtisch")

    # Reports, waiting lists, drafts and recaps on the to-do list (events/todo.py).
    orga_to_do = "events.todo.events_to_do"

    def export_member_data(self, user: "User") -> dict[str, Any]:
        """This app's part of a member's DSGVO export (collected by accounts)."""
        from events.models import RSVP, Comment, CommentReport, Delivery, RecapPhoto

        deliveries = (
            Delivery.objects.filter(member=user)
            .select_related("mailing")
            .order_by("mailing__created_at")
        )
        rsvps = RSVP.objects.filter(member=user).select_related("event")
        rsvps = rsvps.order_by("event__starts_at")
        comments = Comment.objects.by_member(user).select_related("recap")
        # Guest comments from the old blog written with one of the member's
        # verified addresses are about them too, claimed or not.
        guest = Comment.objects.claimable_by(user).select_related("recap")
        reports = CommentReport.objects.filter(reporter=user).select_related(
            "comment__recap"
        )
        return {
            "rsvps": [rsvp.export_data() for rsvp in rsvps],
            "comments": [c.export_data() for c in comments.order_by("created_at")],
            "guest_comments_with_your_address": [
                c.export_data() for c in guest.order_by("created_at")
            ],
            "comment_reports": [
                r.export_data() for r in reports.order_by("created_at")
            ],
            "mails_to_members_received": [
                {
                    "subject": d.mailing.subject,
                    "kind": d.mailing.kind,
                    "sent": d.mailing.created_at,
                    "status": d.status,
                }
                for d in deliveries
            ],
            "recap_photos": [
                p.export_data()
                for p in RecapPhoto.objects.filter(contributor=user)
                .select_related("recap")
                .order_by("submitted_at")
            ],
        }

    def delete_member_data(self, user: "User") -> None:
        """A leaving member's seats go to the waiting list, as if they had cancelled;
        their address goes from old guest comments they did not claim, and answers
        still waiting for their code go with the account."""
        from events.models import RSVP, Comment, PendingRSVP, RecapPhoto
        from events.models.rsvp import RSVPError

        PendingRSVP.objects.filter(email__iexact=user.email).delete()
        for rsvp in RSVP.objects.filter(member=user).active().upcoming():
            # An evening that started or was cancelled has no seat to hand on.
            with suppress(RSVPError):
                rsvp.cancel()
        Comment.objects.claimable_by(user).update(guest_email="")
        # Their photos go, files included (a cascade would leave the files).
        for photo in RecapPhoto.objects.filter(contributor=user):
            photo.delete()

    def account_section(self, request: HttpRequest) -> str:
        """On the account page: old guest comments the member may claim."""
        from accounts.models import member_of
        from events.models import Comment

        count = Comment.objects.claimable_by(member_of(request)).count()
        if not count:
            return ""
        return render_to_string(
            "events/comment_claim_section.html", {"count": count}, request
        )
