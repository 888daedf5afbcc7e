"""The Orga-Team's side in the admin: review, schedule, merge, close."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from impulses.models import AgendaItem, Proposal, ProposalStatus, Wish, WishStatus

pytestmark = pytest.mark.django_db


def change_url(proposal: Proposal) -> str:
    return reverse("admin:impulses_proposal_change", args=[proposal.pk])


def form_data(proposal: Proposal, **extra) -> dict:
    data = {
        "title": proposal.title,
        "abstract": proposal.abstract,
        "length": proposal.length,
        "slides_url": proposal.slides_url,
        "wish": proposal.wish_id or "",
        "decision": "",
        "message": "",
        "schedule_event": "",
        "schedule_time": "",
    }
    data.update(extra)
    return data


def test_the_review_list_and_page_open_for_organizers_only(
    client, make_proposal, organizer, member
):
    proposal = make_proposal()
    client.force_login(organizer)
    assert client.get(reverse("admin:impulses_proposal_changelist")).status_code == 200
    html = client.get(change_url(proposal)).content.decode()
    assert "Ich kann nur dienstags." in html  # the private note is for review
    client.force_login(member)
    assert client.get(change_url(proposal)).status_code == 302  # to the admin login


def test_accepting_in_the_admin_saves_and_mails_the_message(
    client, make_proposal, organizer, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal()
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(proposal),
            form_data(proposal, decision="accept", message="Gern im März!"),
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.organizer_message == "Gern im März!"
    assert len(mailoutbox) == 1 and "Gern im März!" in mailoutbox[0].body


def test_declining_in_the_admin(client, make_proposal, organizer, mailoutbox):
    proposal = make_proposal()
    client.force_login(organizer)
    client.post(change_url(proposal), form_data(proposal, decision="decline"))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED


def test_scheduling_in_the_admin_puts_the_talk_on_the_agenda(
    client, accepted, organizer, make_event
):
    event = make_event()
    client.force_login(organizer)
    response = client.post(
        change_url(accepted),
        form_data(
            accepted,
            decision="schedule",
            schedule_event=event.pk,
            schedule_time="19:20",
        ),
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get()
    assert item.event == event and item.speaker == accepted.proposer
    accepted.refresh_from_db()
    assert accepted.status == ProposalStatus.SCHEDULED


@pytest.mark.parametrize(
    "extra",
    [
        {"decision": "schedule"},  # a submitted proposal is not accepted yet
        {"decision": "withdraw"},  # not an organizer's choice
    ],
)
def test_impossible_admin_decisions_are_form_errors(
    client, make_proposal, organizer, extra
):
    proposal = make_proposal()
    client.force_login(organizer)
    response = client.post(change_url(proposal), form_data(proposal, **extra))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_a_time_outside_the_evening_is_refused(client, accepted, organizer, make_event):
    event = make_event()
    client.force_login(organizer)
    response = client.post(
        change_url(accepted),
        form_data(
            accepted,
            decision="schedule",
            schedule_event=event.pk,
            schedule_time="08:00",
        ),
    )
    assert response.status_code == 200
    assert "schedule_time" in response.context["adminform"].form.errors
    assert not AgendaItem.objects.exists()


def test_merging_wishes_keeps_the_one_with_most_votes(
    client, make_wish, organizer, member, stranger
):
    small, big = make_wish(), make_wish()
    big.vote(member)
    big.vote(stranger)
    small.vote(member)
    client.force_login(organizer)
    client.post(
        reverse("admin:impulses_wish_changelist"),
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: [small.pk, big.pk]},
    )
    small.refresh_from_db()
    assert small.merged_into == big
    assert big.votes.count() == 2


def test_closing_wishes_from_the_list(client, make_wish, organizer):
    wish = make_wish()
    client.force_login(organizer)
    client.post(
        reverse("admin:impulses_wish_changelist"),
        {"action": "close_selected", ACTION_CHECKBOX_NAME: [wish.pk]},
    )
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLOSED


def test_taking_a_wish_up_needs_the_evening(client, make_wish, organizer, make_event):
    wish = make_wish()
    url = reverse("admin:impulses_wish_change", args=[wish.pk])
    client.force_login(organizer)
    data = {"title": wish.title, "context": "", "status": WishStatus.TAKEN_UP}
    response = client.post(url, {**data, "taken_up_event": ""})
    assert response.status_code == 200
    event = make_event()
    client.post(url, {**data, "taken_up_event": event.pk})
    wish.refresh_from_db()
    assert (wish.status, wish.taken_up_event) == (WishStatus.TAKEN_UP, event)


def test_the_agenda_admin_filters_by_event(client, organizer, make_event):
    event = make_event()
    AgendaItem.objects.create(event=event, starts_at=event.starts_at, title="Hallo")
    client.force_login(organizer)
    url = reverse("admin:impulses_agendaitem_changelist")
    response = client.get(url, {"event__id__exact": event.pk})
    assert response.status_code == 200
    assert "Hallo" in response.content.decode()
    assert client.get(reverse("admin:impulses_agendaitem_add")).status_code == 200


def test_wish_list_in_the_admin_counts_votes(client, make_wish, organizer, member):
    make_wish(title="Gezählt").vote(member)
    client.force_login(organizer)
    response = client.get(reverse("admin:impulses_wish_changelist"))
    assert response.status_code == 200
    assert Wish.objects.count() == 1
