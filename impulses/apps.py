from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class ImpulsesConfig(AppConfig):
    name = "impulses"
    verbose_name = _("Impulse")

    # What the Orga-Team may do with the programme (events.models.orga.orga_team).
    orga_team_permissions = (
        "impulses.change_wish",
        "impulses.view_wish",
        "impulses.change_proposal",
        "impulses.view_proposal",
        "impulses.add_agendaitem",
        "impulses.change_agendaitem",
        "impulses.view_agendaitem",
        "impulses.delete_agendaitem",
        "impulses.view_vote",
    )

    # The programme on other apps' pages: {% sections "event" event %} and so on
    # (core/templatetags/sections.py) call these.
    page_sections = {
        "event": "impulses.sections.agenda",
        "home": "impulses.sections.next_impuls",
        "recap": "impulses.sections.presented",
        "profile": "impulses.sections.given",
        # The announcement mail of a new date (its HTML and its text part).
        "announcement_html": "impulses.sections.announcement_html",
        "announcement_text": "impulses.sections.announcement_text",
    }

    # New proposals on the Orga-Team's to-do list (events/todo.py).
    orga_to_do = "impulses.todo.proposals"

    def describe_member_deletion(self) -> str:
        """What happens to this app's data when a member deletes their account."""
        return gettext(
            "Your votes and Impuls proposals are deleted. Your topic wishes stay on "
            "the list without your name, because others have voted for them; talks "
            "you gave stay on past agendas, also without your name."
        )

    def export_member_data(self, user: "User") -> dict[str, Any]:
        """This app's part of a member's data export (DSGVO): wishes, votes, talks.

        The accounts app collects the result of this method from every app.
        """
        from impulses.models import AgendaItem, Proposal, Vote, Wish

        wishes = Wish.objects.filter(author=user).order_by("created_at")
        votes = Vote.objects.filter(member=user).select_related("wish")
        proposals = (
            Proposal.objects.filter(proposer=user)
            .select_related("wish")
            .prefetch_related("preferred_events")
            .order_by("created_at")
        )
        talks = AgendaItem.objects.filter(speaker=user).select_related("event")
        return {
            "topic_wishes": [
                {
                    "title": w.title,
                    "context": w.context,
                    "status": w.status,
                    "created_at": w.created_at.isoformat(),
                }
                for w in wishes
            ],
            "votes": [
                {"wish": v.wish.title, "voted_at": v.created_at.isoformat()}
                for v in votes.order_by("created_at")
            ],
            "impuls_proposals": [
                {
                    "title": p.title,
                    "abstract": p.abstract,
                    "length_minutes": p.length,
                    "slides_url": p.slides_url,
                    "private_note": p.private_note,
                    "preferred_dates": [
                        e.starts_at.isoformat() for e in p.preferred_events.all()
                    ],
                    "wish": p.wish.title if p.wish else None,
                    "status": p.status,
                    "organizer_message": p.organizer_message,
                    "created_at": p.created_at.isoformat(),
                }
                for p in proposals
            ],
            "agenda_items": [
                {
                    "event": t.event.title,
                    "starts_at": t.starts_at.isoformat(),
                    "title": t.title,
                    "length_minutes": t.length,
                }
                for t in talks.order_by("starts_at")
            ],
        }
