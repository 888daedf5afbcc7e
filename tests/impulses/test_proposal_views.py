"""Proposing an Impuls, "my proposals", a proposal's page, editing and withdrawing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus
from impulses.models import Proposal, ProposalStatus
from tests.conftest import SESSION
from tests.impulses.conftest import at

pytestmark = pytest.mark.django_db

# Messages are checked in English; the German copy is the catalogue's business.
EN = {"accept-language": "en"}

NEW = reverse("impulses:proposal-create")
MINE = reverse("impulses:proposal-mine")


def edit_url(proposal: Proposal) -> str:
    return reverse("impulses:proposal-edit", args=[proposal.pk])


def withdraw_url(proposal: Proposal) -> str:
    return reverse("impulses:proposal-withdraw", args=[proposal.pk])


def valid(**overrides) -> dict:
    data = {
        "title": "Active Sourcing ohne Spam",
        "abstract": "Drei Nachrichten, die Antworten bekommen.",
        "length": "10",
        "slides_url": "https://example.org/folien",
        "private_note": "Gern im Frühjahr.",
    }
    data.update(overrides)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Proposing ----------------------------------------------------------------------------


def test_proposing_needs_a_login(client, db):
    response = client.get(NEW)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_unconfirmed_address_cannot_propose(client, unverified):
    client.force_login(unverified)
    response = client.post(NEW, valid())
    assert response["Location"] == reverse("account_email")
    assert not Proposal.objects.exists()


def test_a_member_proposes_an_impuls_for_a_wish_and_dates(
    client, stranger, make_wish, make_event, django_assert_max_num_queries
):
    wish, event, later = make_wish(), make_event(), make_event()
    client.force_login(stranger)
    with django_assert_max_num_queries(4 + SESSION):
        response = client.get(f"{NEW}?wish={wish.pk}")
    assert response.context["form"]["wish"].value() == str(wish.pk)
    response = client.post(
        NEW, valid(wish=wish.pk, preferred_events=[event.pk, later.pk])
    )
    assert response["Location"] == MINE
    proposal = Proposal.objects.get()
    assert proposal.proposer == stranger
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.wish == wish
    assert set(proposal.preferred_events.all()) == {event, later}
    assert proposal.private_note == "Gern im Frühjahr."


def test_a_past_or_draft_evening_cannot_be_preferred(client, member, make_event):
    past = make_event(starts_at=timezone.now() - timedelta(days=7))
    draft = make_event(status=EventStatus.DRAFT)
    client.force_login(member)
    for event in (past, draft):
        response = client.post(NEW, valid(preferred_events=[event.pk]))
        assert response.status_code == 200
        assert "preferred_events" in response.context["form"].errors
    upcoming = make_event()
    html = client.get(NEW).content.decode()
    assert f'name="preferred_events" value="{upcoming.pk}"' in html
    assert f'name="preferred_events" value="{past.pk}"' not in html
    assert f'name="preferred_events" value="{draft.pk}"' not in html
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 141),
        ("title", ""),
        ("abstract", "x" * 2001),
        ("private_note", "x" * 1001),
        ("slides_url", "javascript:alert(1)"),
        ("slides_url", "ftp://example.org/folien"),
        ("length", "45"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client, member, field, value):
    client.force_login(member)
    response = client.post(NEW, valid(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_a_closed_wish_cannot_be_chosen(client, member, make_wish):
    wish = make_wish(status="closed")
    client.force_login(member)
    response = client.post(NEW, valid(wish=wish.pk))
    assert "wish" in response.context["form"].errors


def test_the_form_says_what_becomes_public(client, member):
    client.force_login(member)
    html = client.get(NEW, headers={"accept-language": "en"}).content.decode()
    assert "never are" in html


# My proposals -------------------------------------------------------------------------


def test_my_proposals_needs_a_login(client, db):
    assert client.get(MINE).status_code == 302


def test_my_proposals_shows_mine_with_status_and_message(
    client, make_proposal, member, stranger
):
    declined = make_proposal(title="Meins")
    declined.decline("Passt thematisch gerade nicht.")
    make_proposal(title="Fremdes", proposer=stranger)
    client.force_login(member)
    html = client.get(MINE, headers={"accept-language": "en"}).content.decode()
    assert "Meins" in html and "Fremdes" not in html
    assert "Passt thematisch gerade nicht." in html
    assert "Declined" in html


@pytest.mark.parametrize("n", [3, 30])
def test_my_proposals_queries_do_not_grow(
    client, make_proposal, make_event, member, django_assert_max_num_queries, n
):
    event = make_event()
    for i in range(n):
        proposal = make_proposal(status=ProposalStatus.ACCEPTED)
        proposal.preferred_events.add(event)
        if i % 2:
            proposal.schedule(event, at(event, i))
    client.force_login(member)
    with django_assert_max_num_queries(4 + SESSION):
        response = client.get(MINE)
    assert len(response.context["proposals"]) == n


# A proposal's page --------------------------------------------------------------------


def test_a_submitted_proposal_is_404_for_the_public_and_other_members(
    client, make_proposal, stranger
):
    proposal = make_proposal()
    assert client.get(proposal.get_absolute_url()).status_code == 404
    client.force_login(stranger)
    assert client.get(proposal.get_absolute_url()).status_code == 404


def test_an_accepted_proposal_shows_its_public_parts_only(
    client, accepted, stranger, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get(accepted.get_absolute_url())
    html = response.content.decode()
    assert accepted.title in html and accepted.abstract in html
    assert "Ich kann nur dienstags." not in html
    client.force_login(stranger)
    with django_assert_max_num_queries(5 + SESSION):
        html = client.get(accepted.get_absolute_url()).content.decode()
    assert "Ich kann nur dienstags." not in html


def test_the_proposer_and_the_orga_team_see_the_private_note(
    client, make_proposal, member, organizer, make_event, django_assert_max_num_queries
):
    proposal = make_proposal(organizer_message="")
    proposal.preferred_events.add(make_event())
    for user, budget in ((member, 4), (organizer, 5)):
        client.force_login(user)
        with django_assert_max_num_queries(budget + SESSION):
            html = client.get(proposal.get_absolute_url()).content.decode()
        assert "Ich kann nur dienstags." in html


# Editing ------------------------------------------------------------------------------


def test_the_proposer_edits_a_submitted_proposal(client, make_proposal, member):
    proposal = make_proposal()
    client.force_login(member)
    assert client.get(edit_url(proposal)).status_code == 200
    response = client.post(edit_url(proposal), valid(title="Neuer Titel"))
    assert response["Location"] == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.title == "Neuer Titel"


def test_someone_elses_proposal_cannot_be_edited(
    client, make_proposal, stranger, organizer
):
    submitted = make_proposal(title="Original")
    accepted = make_proposal(title="Original", status=ProposalStatus.ACCEPTED)
    client.force_login(stranger)
    assert client.post(edit_url(submitted), valid()).status_code == 404
    assert client.post(edit_url(accepted), valid()).status_code == 403
    client.force_login(organizer)
    assert client.post(edit_url(submitted), valid()).status_code == 403
    assert set(Proposal.objects.values_list("title", flat=True)) == {"Original"}


def test_editing_needs_a_login(client, make_proposal):
    response = client.get(edit_url(make_proposal()))
    assert reverse("account_login") in response["Location"]


def test_a_decided_proposal_is_fixed(client, accepted, member):
    client.force_login(member)
    response = client.post(
        edit_url(accepted), valid(title="Neu"), follow=True, headers=EN
    )
    assert any("fixed" in m for m in messages_of(response))
    accepted.refresh_from_db()
    assert accepted.title != "Neu"


# Withdrawing --------------------------------------------------------------------------


def test_withdraw_takes_post_only(client, make_proposal, member):
    client.force_login(member)
    assert client.get(withdraw_url(make_proposal())).status_code == 405


def test_the_proposer_withdraws(client, make_proposal, member):
    proposal = make_proposal()
    client.force_login(member)
    response = client.post(withdraw_url(proposal))
    assert response["Location"] == MINE
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN


def test_someone_elses_proposal_cannot_be_withdrawn(client, make_proposal, stranger):
    submitted, accepted = make_proposal(), make_proposal(status=ProposalStatus.ACCEPTED)
    client.force_login(stranger)
    assert client.post(withdraw_url(submitted)).status_code == 404
    assert client.post(withdraw_url(accepted)).status_code == 403
    assert not Proposal.objects.filter(status=ProposalStatus.WITHDRAWN).exists()


def test_withdrawing_twice_is_explained(client, make_proposal, member):
    proposal = make_proposal(status=ProposalStatus.WITHDRAWN)
    client.force_login(member)
    response = client.post(withdraw_url(proposal), follow=True, headers=EN)
    assert any("cannot be changed" in m for m in messages_of(response))


def test_withdrawing_without_csrf_token_is_refused(make_proposal, member):
    proposal = make_proposal()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(withdraw_url(proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
