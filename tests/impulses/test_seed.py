"""The demo Impulse: wishes with votes, proposals in each state, two agendas."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from events.models import Event
from impulses.models import AgendaItem, Proposal, ProposalStatus, Vote, Wish

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def snapshot() -> tuple:
    return (
        list(Wish.objects.values_list("pk", "status")),
        Vote.objects.count(),
        list(Proposal.objects.values_list("pk", "status")),
        list(AgendaItem.objects.values_list("pk", "event", "order", "starts_at")),
    )


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_seed_impulses_fills_the_programme_and_is_safe_to_run_again(mailoutbox):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_impulses", stdout=StringIO())
    before = snapshot()
    call_command("seed_impulses", stdout=StringIO())
    assert snapshot() == before

    assert Wish.objects.open().count() == 4
    statuses = set(Proposal.objects.values_list("status", flat=True))
    assert statuses == {
        ProposalStatus.SCHEDULED,
        ProposalStatus.ACCEPTED,
        ProposalStatus.SUBMITTED,
    }
    next_event = Event.objects.upcoming().first()
    titles = list(
        AgendaItem.objects.filter(event=next_event)
        .for_display()
        .values_list("title", flat=True)
    )
    assert titles[0].startswith("Ankommen") and titles[-1].startswith("Offene Runde")
    assert "Active Sourcing auf LinkedIn ohne Spam-Gefühl" in titles
    kickoff = Event.objects.get(starts_at=datetime(2016, 9, 27, 19, tzinfo=BERLIN))
    assert AgendaItem.objects.filter(event=kickoff).talks().count() == 1


def test_seed_impulses_without_events_still_seeds_wishes():
    call_command("seed_impulses", stdout=StringIO())
    assert Wish.objects.count() == 4
    assert not AgendaItem.objects.exists()
