"""The programme's part of the Orga-Team's to-do list and mails (events/todo.py):
new Impuls proposals to decide on."""

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext

from events.todo import PROPOSALS, SHOWN, ToDo
from impulses.models import Proposal, ProposalStatus


def proposals(now: datetime) -> Iterable[ToDo]:
    submitted = (
        Proposal.objects.filter(status=ProposalStatus.SUBMITTED)
        .select_related("proposer__profile")
        .order_by("created_at")[:SHOWN]
    )
    for proposal in submitted:
        yield ToDo(
            gettext("New Impuls proposals"),
            gettext("“%(title)s” by %(name)s")
            % {"title": proposal.title, "name": proposal.proposer.display_name},
            reverse("admin:impulses_proposal_change", args=[proposal.pk]),
            gettext("Accept or decline"),
            Truncator(proposal.abstract).chars(120),
            PROPOSALS,
            proposal.created_at,
        )


def proposal_mail(pk: int) -> tuple[str, str, str] | None:
    """The Orga-Team's mail about a new proposal."""
    proposal = (
        Proposal.objects.select_related("proposer__profile")
        .filter(pk=pk, status=ProposalStatus.SUBMITTED)
        .first()
    )
    if proposal is None:
        return None
    subject = gettext("New Impuls proposal: %(title)s") % {"title": proposal.title}
    text = gettext(
        "%(name)s offers an Impuls (%(length)s):\n\n%(title)s\n%(abstract)s\n\n"
        "Accept or decline it:"
    ) % {
        "name": proposal.proposer.display_name,
        "length": proposal.get_length_display(),
        "title": proposal.title,
        "abstract": Truncator(proposal.abstract).chars(600),
    }
    return subject, text, reverse("admin:impulses_proposal_change", args=[pk])
