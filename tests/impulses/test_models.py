"""The rules of wishes, votes, proposals and agendas, on the models themselves."""

from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from events.models import EventStatus
from impulses.models import (
    AgendaItem,
    Proposal,
    ProposalStatus,
    Vote,
    Wish,
    WishStatus,
)
from tests.impulses.conftest import at

pytestmark = pytest.mark.django_db


# Votes --------------------------------------------------------------------------------


def test_a_member_votes_once_and_a_second_vote_changes_nothing(make_wish, stranger):
    wish = make_wish()
    assert wish.vote(stranger) is True
    assert wish.vote(stranger) is False
    assert wish.votes.count() == 1


def test_the_database_refuses_a_second_vote_row(make_wish, stranger):
    wish = make_wish()
    Vote.objects.create(wish=wish, member=stranger)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(wish=wish, member=stranger)


def test_a_vote_can_be_taken_back(make_wish, stranger):
    wish = make_wish()
    wish.vote(stranger)
    assert wish.unvote(stranger) is True
    assert wish.unvote(stranger) is False
    assert not wish.votes.exists()


@pytest.mark.parametrize("status", [WishStatus.CLOSED, WishStatus.TAKEN_UP])
def test_votes_on_a_wish_that_is_not_open_are_refused(make_wish, stranger, status):
    wish = make_wish()
    wish.vote(stranger)
    Wish.objects.filter(pk=wish.pk).update(status=status)
    with pytest.raises(ValidationError):
        wish.vote(make_wish().author)
    with pytest.raises(ValidationError):
        wish.unvote(stranger)
    assert wish.votes.count() == 1


def test_vote_counts_and_own_vote_come_with_the_list(make_wish, member, stranger):
    popular, quiet = make_wish(), make_wish()
    popular.vote(member)
    popular.vote(stranger)
    wishes = {w.pk: w for w in Wish.objects.with_vote_counts(stranger)}
    assert wishes[popular.pk].vote_count == 2
    assert wishes[popular.pk].has_voted is True
    assert wishes[quiet.pk].vote_count == 0
    assert wishes[quiet.pk].has_voted is False


def test_wishes_sort_by_votes_then_oldest_first(make_wish, member, stranger):
    old_quiet = make_wish()
    young_quiet = make_wish()
    popular = make_wish()
    popular.vote(member)
    popular.vote(stranger)
    young_quiet.vote(stranger)
    old_popular = make_wish()
    Wish.objects.filter(pk=old_popular.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    old_popular.vote(member)
    ordered = list(Wish.objects.open().with_vote_counts().by_popularity())
    assert ordered == [popular, old_popular, young_quiet, old_quiet]


def test_counting_the_listed_wishes_is_a_plain_count(
    make_wish, member, stranger, django_assert_num_queries
):
    """The wish list's paginator counts the wishes, not their votes."""
    for _ in range(3):
        make_wish().vote(stranger)
    listed = Wish.objects.open().with_vote_counts(member).by_popularity()
    with django_assert_num_queries(1) as queries:
        assert listed.count() == 3
    sql = queries.captured_queries[0]["sql"].upper()
    assert "JOIN" not in sql
    assert "GROUP BY" not in sql


def test_open_lists_only_open_wishes(make_wish):
    open_wish = make_wish()
    make_wish(status=WishStatus.CLOSED)
    assert list(Wish.objects.open()) == [open_wish]


# Merging ------------------------------------------------------------------------------


def test_merging_moves_votes_without_counting_anyone_twice(
    make_wish, member, stranger, third
):
    keep, duplicate = make_wish(), make_wish()
    keep.vote(member)
    duplicate.vote(member)  # voted for both
    duplicate.vote(stranger)
    duplicate.vote(third)
    duplicate.merge_into(keep)
    duplicate.refresh_from_db()
    assert duplicate.status == WishStatus.CLOSED
    assert duplicate.merged_into == keep
    assert not duplicate.votes.exists()
    assert set(keep.votes.values_list("member", flat=True)) == {
        member.pk,
        stranger.pk,
        third.pk,
    }


def test_merging_moves_the_proposals_along(make_wish, make_proposal):
    keep, duplicate = make_wish(), make_wish()
    proposal = make_proposal(wish=duplicate)
    duplicate.merge_into(keep)
    proposal.refresh_from_db()
    assert proposal.wish == keep


def test_a_wish_cannot_be_merged_into_itself_or_into_a_closed_one(make_wish):
    wish, closed = make_wish(), make_wish(status=WishStatus.CLOSED)
    with pytest.raises(ValidationError):
        wish.merge_into(wish)
    with pytest.raises(ValidationError):
        wish.merge_into(closed)
    wish.refresh_from_db()
    assert wish.status == WishStatus.OPEN


def test_a_merged_wish_stays_closed(make_wish):
    keep, duplicate = make_wish(), make_wish()
    duplicate.merge_into(keep)
    with pytest.raises(ValidationError):
        duplicate.reopen()
    with pytest.raises(IntegrityError), transaction.atomic():
        Wish.objects.filter(pk=duplicate.pk).update(status=WishStatus.OPEN)


def test_taking_up_a_wish_names_the_evening(make_wish, make_event):
    wish = make_wish(status=WishStatus.TAKEN_UP)
    with pytest.raises(ValidationError):
        wish.full_clean()
    event = make_event()
    wish.take_up(event)
    wish.full_clean()
    assert wish.taken_up_event == event


def test_closed_wishes_are_for_their_author_and_the_orga_team(
    make_wish, member, stranger, organizer
):
    closed = make_wish(status=WishStatus.CLOSED)
    visible = make_wish()

    class Anonymous:
        is_authenticated = False

    assert set(Wish.objects.visible_to(Anonymous())) == {visible}
    assert set(Wish.objects.visible_to(stranger)) == {visible}
    assert set(Wish.objects.visible_to(member)) == {visible, closed}
    assert set(Wish.objects.visible_to(organizer)) == {visible, closed}


def test_a_challenge_becomes_one_wish_however_often_it_is_sent(member):
    challenge = "Wie finde ich Zeit für Social Media?  " + "Wirklich. " * 40
    wish, created = Wish.objects.wish_for_challenge(member, challenge)
    again, created_again = Wish.objects.wish_for_challenge(member, challenge)
    assert created and not created_again
    assert again == wish
    assert len(wish.title) <= 200
    assert wish.title.endswith("…")
    assert wish.context.startswith("Wie finde ich Zeit")


def test_a_short_challenge_is_the_title_alone(member):
    wish, _ = Wish.objects.wish_for_challenge(member, "Shitstorm!")
    assert (wish.title, wish.context) == ("Shitstorm!", "")


# Proposals ----------------------------------------------------------------------------


def test_accepting_records_the_message_and_the_time(make_proposal):
    proposal = make_proposal()
    proposal.accept("Sehr gern!")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.organizer_message == "Sehr gern!"
    assert proposal.decided_at is not None


def test_declining_records_the_message(make_proposal):
    proposal = make_proposal()
    proposal.decline("Das Thema hatten wir gerade.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED
    assert proposal.organizer_message == "Das Thema hatten wir gerade."


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ProposalStatus.ACCEPTED, "accept"),
        (ProposalStatus.WITHDRAWN, "accept"),
        (ProposalStatus.DECLINED, "decline"),
        (ProposalStatus.WITHDRAWN, "withdraw"),
        (ProposalStatus.DECLINED, "withdraw"),
    ],
)
def test_impossible_steps_are_refused_and_change_nothing(make_proposal, status, action):
    proposal = make_proposal(status=status)
    with pytest.raises(ValidationError):
        getattr(proposal, action)()
    proposal.refresh_from_db()
    assert proposal.status == status


def test_only_an_accepted_proposal_can_be_scheduled(make_proposal, make_event):
    proposal, event = make_proposal(), make_event()
    with pytest.raises(ValidationError):
        proposal.schedule(event, at(event))
    assert not AgendaItem.objects.exists()


def test_scheduling_puts_the_talk_on_the_agenda_in_time_order(accepted, make_event):
    event = make_event()
    welcome = AgendaItem.objects.place(event, at(event, 0), title="Begrüßung")
    round_ = AgendaItem.objects.place(event, at(event, 60), title="Offene Runde")
    item = accepted.schedule(event, at(event, 20))
    accepted.refresh_from_db()
    assert accepted.status == ProposalStatus.SCHEDULED
    assert (item.title, item.speaker, item.length) == (
        accepted.title,
        accepted.proposer,
        accepted.length,
    )
    agenda = list(AgendaItem.objects.filter(event=event).for_display())
    assert agenda == [welcome, item, round_]
    assert [i.order for i in agenda] == [1, 2, 3]


def test_scheduling_again_moves_the_talk(accepted, make_event):
    first, second = make_event(), make_event()
    accepted.schedule(first, at(first))
    accepted.schedule(second, at(second))
    assert list(accepted.agenda_items.values_list("event", flat=True)) == [second.pk]


def test_a_talk_cannot_be_scheduled_for_a_past_or_cancelled_evening(
    accepted, make_event
):
    past = make_event(starts_at=timezone.now() - timedelta(days=7))
    cancelled = make_event(status=EventStatus.CANCELLED)
    for event in (past, cancelled):
        with pytest.raises(ValidationError):
            accepted.schedule(event, at(event))
    accepted.refresh_from_db()
    assert accepted.status == ProposalStatus.ACCEPTED
    assert not AgendaItem.objects.exists()


def test_the_time_must_lie_within_the_evening(accepted, make_event):
    event = make_event()
    with pytest.raises(ValidationError):
        accepted.schedule(event, event.starts_at - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        accepted.schedule(event, event.ends_at)


def test_scheduling_a_talk_for_a_wish_takes_the_wish_up(
    make_wish, make_proposal, make_event
):
    wish, event = make_wish(), make_event()
    proposal = make_proposal(wish=wish, status=ProposalStatus.ACCEPTED)
    proposal.schedule(event, at(event))
    wish.refresh_from_db()
    assert (wish.status, wish.taken_up_event) == (WishStatus.TAKEN_UP, event)


def test_withdrawing_a_scheduled_talk_frees_the_slot_and_reopens_the_wish(
    make_wish, make_proposal, make_event
):
    wish, event = make_wish(), make_event()
    proposal = make_proposal(wish=wish, status=ProposalStatus.ACCEPTED)
    proposal.schedule(event, at(event))
    proposal.withdraw()
    proposal.refresh_from_db()
    wish.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert not AgendaItem.objects.filter(event=event).exists()
    assert wish.status == WishStatus.OPEN


def test_a_talk_that_was_given_cannot_be_withdrawn(accepted, make_event, time_machine):
    event = make_event()
    accepted.schedule(event, at(event))
    time_machine.move_to(event.ends_at + timedelta(days=1))
    accepted = Proposal.objects.get(pk=accepted.pk)
    assert not accepted.can_withdraw
    with pytest.raises(ValidationError):
        accepted.withdraw()
    assert accepted.agenda_items.exists()


def test_only_a_submitted_proposal_can_be_edited(make_proposal):
    assert make_proposal().can_edit
    assert not make_proposal(status=ProposalStatus.ACCEPTED).can_edit


def test_slides_must_be_a_web_link(make_proposal):
    proposal = make_proposal()
    proposal.slides_url = "javascript:alert(1)"
    with pytest.raises(ValidationError) as info:
        proposal.full_clean()
    assert "slides_url" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        proposal.save()


def test_talks_are_5_10_or_15_minutes(make_proposal):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_proposal(length=45)


def test_an_overlong_title_is_refused(make_proposal):
    proposal = make_proposal()
    proposal.title = "x" * 141
    with pytest.raises(ValidationError) as info:
        proposal.full_clean()
    assert "title" in info.value.message_dict


# Visibility ---------------------------------------------------------------------------


class Anonymous:
    is_authenticated = False
    pk = None


def test_the_public_sees_accepted_and_scheduled_proposals_only(make_proposal):
    shown = {
        make_proposal(status=ProposalStatus.ACCEPTED),
        make_proposal(status=ProposalStatus.SCHEDULED),
    }
    for status in (
        ProposalStatus.SUBMITTED,
        ProposalStatus.DECLINED,
        ProposalStatus.WITHDRAWN,
    ):
        make_proposal(status=status)
    assert set(Proposal.objects.visible_to(Anonymous())) == shown
    assert set(Proposal.objects.public()) == shown


def test_the_proposer_and_the_orga_team_see_everything(
    make_proposal, member, stranger, organizer
):
    draft = make_proposal()
    declined = make_proposal(status=ProposalStatus.DECLINED)
    assert set(Proposal.objects.visible_to(member)) == {draft, declined}
    assert set(Proposal.objects.visible_to(organizer)) == {draft, declined}
    assert not Proposal.objects.visible_to(stranger).exists()


def test_private_parts_are_for_the_proposer_and_the_orga_team(
    accepted, member, stranger, organizer
):
    assert accepted.is_visible_to(Anonymous())
    assert not accepted.shows_private_parts_to(Anonymous())
    assert not accepted.shows_private_parts_to(stranger)
    assert accepted.shows_private_parts_to(member)
    assert accepted.shows_private_parts_to(organizer)


# Agenda -------------------------------------------------------------------------------


def test_an_agenda_speaker_is_a_member_or_a_guest_not_both(make_event, member):
    event = make_event()
    item = AgendaItem(
        event=event,
        starts_at=at(event),
        title="Doppelt",
        speaker=member,
        speaker_name="Gast",
    )
    with pytest.raises(ValidationError):
        item.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_an_agenda_item_lies_within_its_evening(make_event):
    event = make_event()
    item = AgendaItem(event=event, starts_at=event.ends_at, title="Zu spät")
    with pytest.raises(ValidationError):
        item.full_clean()


def test_talks_are_the_items_with_a_speaker(make_event, member):
    event = make_event()
    AgendaItem.objects.place(event, at(event, 0), title="Begrüßung")
    guest = AgendaItem.objects.place(
        event, at(event, 5), title="A", speaker_name="Gast"
    )
    own = AgendaItem.objects.place(event, at(event, 30), title="B", speaker=member)
    assert list(AgendaItem.objects.talks().for_display()) == [guest, own]


# Data export --------------------------------------------------------------------------


def test_the_data_export_holds_wishes_votes_and_proposals(
    make_wish, make_proposal, member, stranger, make_event
):
    own = make_wish(title="Mein Wunsch", context="Kontext")
    other = make_wish(title="Fremder Wunsch", author=stranger)
    other.vote(member)
    event = make_event()
    proposal = make_proposal(title="Mein Impuls", wish=own)
    proposal.preferred_events.add(event)
    make_proposal(title="Nicht meins", proposer=stranger)

    data = apps.get_app_config("impulses").export_member_data(member)

    assert [w["title"] for w in data["topic_wishes"]] == ["Mein Wunsch"]
    assert [v["wish"] for v in data["votes"]] == ["Fremder Wunsch"]
    [exported] = data["impuls_proposals"]
    assert exported["title"] == "Mein Impuls"
    assert exported["private_note"] == "Ich kann nur dienstags."
    assert exported["wish"] == "Mein Wunsch"
    assert [datetime.fromisoformat(d) for d in exported["preferred_dates"]] == [
        event.starts_at
    ]
    assert data["agenda_items"] == []


def test_deleting_an_account_keeps_wishes_and_talks_without_the_name(
    make_wish, make_proposal, make_event, member, stranger
):
    wish = make_wish()
    wish.vote(stranger)
    make_wish(author=stranger).vote(member)
    past = make_event(starts_at=timezone.now() - timedelta(days=9))
    talk = AgendaItem.objects.create(
        event=past, starts_at=at(past), title="Gehalten", speaker=member
    )
    make_proposal()

    member.delete_account()

    wish.refresh_from_db()
    talk.refresh_from_db()
    assert wish.author is None and wish.votes.count() == 1
    assert talk.speaker is None and talk.title == "Gehalten"
    assert not Proposal.objects.exists()
    assert Vote.objects.count() == 1  # only the stranger's
    with translation.override("en"):
        note = str(apps.get_app_config("impulses").describe_member_deletion())
    assert "without your name" in note
