"""The Impulse page, the wish list, adding wishes and voting, over HTTP."""

import random
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from impulses.models import AgendaItem, ProposalStatus, Vote, Wish, WishStatus
from tests.conftest import GENERATION, SESSION, make_user
from tests.impulses.conftest import at

pytestmark = pytest.mark.django_db

# Messages are checked in English; the German copy is the catalogue's business.
EN = {"accept-language": "en"}

INDEX = reverse("impulses:index")
WISHES = reverse("impulses:wish-list")
NEW_WISH = reverse("impulses:wish-create")
FROM_CHALLENGE = reverse("impulses:wish-from-challenge")


def vote_url(wish: Wish) -> str:
    return reverse("impulses:wish-vote", args=[wish.pk])


def unvote_url(wish: Wish) -> str:
    return reverse("impulses:wish-unvote", args=[wish.pk])


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# The Impulse page ---------------------------------------------------------------------


def test_impulse_page_lists_coming_past_and_awaiting_talks_and_wishes(
    client, make_event, make_proposal, make_wish, member
):
    coming, past = (
        make_event(),
        make_event(starts_at=timezone.now() - timedelta(days=30)),
    )
    talk = make_proposal(title="Kommende Folien", status=ProposalStatus.ACCEPTED)
    talk.schedule(coming, at(coming))
    AgendaItem.objects.create(
        event=past, starts_at=at(past), title="Vergangener Impuls", speaker_name="Gast"
    )
    AgendaItem.objects.create(event=coming, starts_at=at(coming, 0), title="Begrüßung")
    make_proposal(title="Bald mit Datum", status=ProposalStatus.ACCEPTED)
    make_proposal(title="Geheimer Entwurf")
    make_wish(title="Wie geht Mastodon?")

    html = client.get(INDEX).content.decode()

    for shown in [
        "Kommende Folien",
        "Vergangener Impuls",
        "Bald mit Datum",
        "Mastodon",
    ]:
        assert shown in html
    assert "Geheimer Entwurf" not in html
    assert "Begrüßung" not in html  # an agenda line without speaker is no Impuls
    assert "Ich kann nur dienstags" not in html


def test_impulse_page_is_friendly_when_empty(client, db):
    response = client.get(INDEX, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "No Impuls planned yet" in response.content.decode()


def test_talks_on_draft_evenings_stay_hidden(client, make_event):
    draft = make_event(status="draft")
    AgendaItem.objects.create(
        event=draft, starts_at=at(draft), title="Noch geheim", speaker_name="Gast"
    )
    assert "Noch geheim" not in client.get(INDEX).content.decode()


def fill(make_event, make_proposal, make_wish, n: int) -> None:
    """n evenings with a talk each, n accepted proposals, n wishes with votes."""
    voters = [make_user(f"fill{n}-{i}@example.org") for i in range(5)]
    for i in range(n):
        event = make_event(starts_at=timezone.now() + timedelta(days=(i - n // 2) * 10))
        AgendaItem.objects.create(
            event=event, starts_at=at(event), title=f"Talk {i}", speaker=voters[i % 5]
        )
        make_proposal(status=ProposalStatus.ACCEPTED, proposer=voters[i % 5])
        wish = make_wish()
        for voter in voters[: i % 5]:
            Vote.objects.create(wish=wish, member=voter)


@pytest.mark.parametrize("n", [3, 30])
def test_impulse_page_queries_do_not_grow(
    client,
    member,
    make_event,
    make_proposal,
    make_wish,
    django_assert_max_num_queries,
    n,
):
    fill(make_event, make_proposal, make_wish, n)
    # The wishes' shared summaries start a generation after the writes above.
    with django_assert_max_num_queries(4 + GENERATION):
        assert client.get(INDEX).status_code == 200
    client.force_login(member)
    with django_assert_max_num_queries(5 + SESSION):
        assert client.get(INDEX).status_code == 200


# The wish list ------------------------------------------------------------------------


def many_wishes(author: User, wishes: int, votes: int) -> None:
    voters = [make_user(f"v{i}@example.org") for i in range(50)]
    created = Wish.objects.bulk_create(
        Wish(title=f"Wunsch {i}", author=author) for i in range(wishes)
    )
    pairs = random.Random(7).sample([(w, v) for w in created for v in voters], k=votes)
    Vote.objects.bulk_create(Vote(wish=w, member=v) for w, v in pairs)


@pytest.mark.parametrize(("wishes", "votes"), [(3, 5), (200, 1000)])
def test_wish_list_costs_the_same_queries_for_200_wishes_and_1000_votes(
    client, member, django_assert_max_num_queries, wishes, votes
):
    many_wishes(member, wishes, votes)
    with django_assert_max_num_queries(2 + GENERATION):
        response = client.get(WISHES)
    assert response.status_code == 200
    client.force_login(member)
    with django_assert_max_num_queries(3 + SESSION):
        response = client.get(WISHES)
    assert len(response.context["page"].object_list) == min(wishes, 30)


def test_wish_list_sorts_by_votes_and_shows_the_members_own_votes(
    client, make_wish, member, stranger, third
):
    quiet, popular = make_wish(title="Leise"), make_wish(title="Beliebt")
    popular.vote(stranger)
    popular.vote(third)
    quiet.vote(member)
    response = logged_in(client, member).get(WISHES)
    page = list(response.context["page"].object_list)
    assert page == [popular, quiet]
    assert [w.has_voted for w in page] == [False, True]
    html = response.content.decode()
    assert unvote_url(quiet) in html and vote_url(popular) in html


def test_each_viewer_sees_their_own_wishes_and_votes_from_shared_summaries(
    make_wish, member, stranger, third
):
    """Votes, topic and date are kept once for everyone but the author; the
    author's "Your wish" and each viewer's vote button are their own."""
    mine, theirs = make_wish(title="Meins"), make_wish(title="Fremd", author=stranger)
    theirs.vote(member)
    for _ in range(2):  # rendered, then from the kept summaries
        for viewer in (member, stranger, third):
            html = logged_in(Client(), viewer).get(WISHES).content.decode()
            items = re.findall(
                r'<li class="wish" id="wish-(\d+)">(.*?)</li>', html, re.S
            )
            marked = {int(pk) for pk, item in items if 'class="pill"' in item}
            own = {member: {mine.pk}, stranger: {theirs.pk}, third: set()}[viewer]
            assert marked == own, viewer
            voted = [theirs] if viewer == member else []
            for wish in (mine, theirs):
                url = unvote_url(wish) if wish in voted else vote_url(wish)
                assert url in html, (viewer, wish)
    # A vote shows on the next view, for the voter and for others.
    mine.vote(third)
    for viewer in (member, third):
        html = logged_in(Client(), viewer).get(WISHES).content.decode()
        item = re.search(rf'id="wish-{mine.pk}".*?</li>', html, re.S).group()
        assert '<span class="wish-count">1</span>' in item


def test_wish_list_hides_closed_and_taken_up_wishes(client, make_wish):
    make_wish(title="Erledigt", status=WishStatus.CLOSED)
    make_wish(title="Offen")
    html = client.get(WISHES).content.decode()
    assert "Offen" in html and "Erledigt" not in html


def test_a_page_that_does_not_exist_is_404(client, db):
    assert client.get(WISHES + "?page=9").status_code == 404
    assert client.get(WISHES + "?page=x").status_code == 404


# A wish's page ------------------------------------------------------------------------


def test_wish_page_shows_votes_and_the_way_to_propose(
    client, make_wish, make_proposal, stranger, django_assert_max_num_queries
):
    wish = make_wish(title="Shitstorm!")
    wish.vote(stranger)
    make_proposal(wish=wish, title="Angenommen", status=ProposalStatus.ACCEPTED)
    make_proposal(wish=wish, title="Noch offen")
    with django_assert_max_num_queries(2):
        response = client.get(wish.get_absolute_url())
    html = response.content.decode()
    assert "Shitstorm!" in html and "Angenommen" in html and "Noch offen" not in html
    assert f"{reverse('impulses:proposal-create')}?wish={wish.pk}" in html
    client.force_login(stranger)
    with django_assert_max_num_queries(4 + SESSION):
        assert client.get(wish.get_absolute_url()).status_code == 200


def test_a_merged_wish_leads_to_the_one_it_was_merged_into(client, make_wish):
    keep, duplicate = make_wish(), make_wish()
    duplicate.merge_into(keep)
    response = client.get(duplicate.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == keep.get_absolute_url()


def test_a_closed_wish_is_404_for_others(client, make_wish, member, stranger):
    wish = make_wish(status=WishStatus.CLOSED)
    assert client.get(wish.get_absolute_url()).status_code == 404
    assert logged_in(client, stranger).get(wish.get_absolute_url()).status_code == 404
    assert logged_in(client, member).get(wish.get_absolute_url()).status_code == 200


# Adding a wish ------------------------------------------------------------------------


def test_adding_a_wish_needs_a_login(client, db):
    response = client.get(NEW_WISH)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_unconfirmed_address_cannot_add_wishes(client, unverified):
    response = logged_in(client, unverified).post(
        NEW_WISH, {"title": "Spam?"}, follow=True
    )
    assert response.redirect_chain[0][1] == 302
    assert response.redirect_chain[0][0] == reverse("account_email")
    assert not Wish.objects.exists()


def test_a_member_adds_a_wish(client, member, django_assert_max_num_queries):
    client.force_login(member)
    with django_assert_max_num_queries(4):
        assert client.get(NEW_WISH).status_code == 200
    response = client.post(
        NEW_WISH, {"title": "  Wie geht   TikTok?  ", "context": "Für Azubis"}
    )
    wish = Wish.objects.get()
    assert response.status_code == 302
    assert response["Location"] == wish.get_absolute_url()
    assert (wish.title, wish.context, wish.author) == (
        "Wie geht TikTok?",
        "Für Azubis",
        member,
    )


@pytest.mark.parametrize(
    "data",
    [{"title": ""}, {"title": "x" * 201}, {"title": "Gut", "context": "x" * 501}],
)
def test_a_bad_wish_is_explained_and_not_saved(client, member, data):
    response = logged_in(client, member).post(NEW_WISH, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Wish.objects.exists()


def test_the_same_open_topic_is_not_added_twice(client, make_wish, stranger):
    make_wish(title="Wie geht TikTok?")
    response = logged_in(client, stranger).post(NEW_WISH, {"title": "wie geht tiktok?"})
    assert "title" in response.context["form"].errors
    assert Wish.objects.count() == 1


# Voting -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [vote_url, unvote_url])
def test_vote_urls_take_post_only(client, make_wish, member, url):
    assert logged_in(client, member).get(url(make_wish())).status_code == 405


def test_voting_needs_a_login(client, make_wish):
    wish = make_wish()
    response = client.post(vote_url(wish))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Vote.objects.exists()


def test_an_unconfirmed_address_cannot_vote(client, make_wish, unverified):
    wish = make_wish()
    logged_in(client, unverified).post(vote_url(wish))
    assert not Vote.objects.exists()


def test_a_member_votes_and_takes_the_vote_back(client, make_wish, stranger):
    wish = make_wish()
    client.force_login(stranger)
    response = client.post(vote_url(wish), {"next": WISHES + f"#wish-{wish.pk}"})
    assert response.status_code == 302
    assert response["Location"] == WISHES + f"#wish-{wish.pk}"
    assert wish.votes.filter(member=stranger).exists()
    client.post(unvote_url(wish))
    assert not wish.votes.exists()


def test_voting_twice_is_explained_and_counts_once(client, make_wish, stranger):
    wish = make_wish()
    client.force_login(stranger)
    client.post(vote_url(wish))
    response = client.post(vote_url(wish), follow=True, headers=EN)
    assert wish.votes.count() == 1
    assert any("already" in m for m in messages_of(response))


def test_voting_on_a_closed_wish_changes_nothing(client, make_wish, member, stranger):
    wish = make_wish(status=WishStatus.CLOSED)
    assert logged_in(client, stranger).post(vote_url(wish)).status_code == 404
    response = logged_in(client, member).post(vote_url(wish), follow=True, headers=EN)
    assert response.status_code == 200
    assert any("no longer open" in m for m in messages_of(response))
    assert not Vote.objects.exists()


def test_voting_on_a_taken_up_wish_is_explained(
    client, make_wish, make_event, stranger
):
    wish = make_wish()
    wish.take_up(make_event())
    response = logged_in(client, stranger).post(vote_url(wish), follow=True, headers=EN)
    assert any("no longer open" in m for m in messages_of(response))
    assert not Vote.objects.exists()


def test_voting_on_a_missing_wish_is_404(client, member):
    assert (
        logged_in(client, member).post("/impulse/wishes/999/vote/").status_code == 404
    )


def test_a_vote_never_redirects_to_another_site(client, make_wish, stranger):
    wish = make_wish()
    response = logged_in(client, stranger).post(
        vote_url(wish), {"next": "https://evil.example/"}
    )
    assert response["Location"] == wish.get_absolute_url()


def test_a_vote_without_csrf_token_is_refused(make_wish, stranger):
    wish = make_wish()
    client = Client(enforce_csrf_checks=True)
    client.force_login(stranger)
    assert client.post(vote_url(wish)).status_code == 403
    assert not Vote.objects.exists()


# The profile's challenge as a wish ----------------------------------------------------


def test_challenge_to_wish_takes_post_only(client, member):
    assert logged_in(client, member).get(FROM_CHALLENGE).status_code == 405


def test_a_members_challenge_becomes_a_wish_once(client, member):
    member.profile.challenge = "Wie antworte ich auf negative Bewertungen?"
    member.profile.save()
    client.force_login(member)
    first = client.post(FROM_CHALLENGE)
    second = client.post(FROM_CHALLENGE)
    wish = Wish.objects.get()
    assert wish.title == "Wie antworte ich auf negative Bewertungen?"
    assert wish.author == member
    assert first["Location"] == second["Location"] == wish.get_absolute_url()


def test_without_a_challenge_nothing_is_created(client, member):
    response = logged_in(client, member).post(FROM_CHALLENGE, follow=True, headers=EN)
    assert response.status_code == 200
    assert any("no current challenge" in m for m in messages_of(response))
    assert not Wish.objects.exists()


def test_the_wish_form_offers_the_challenge(client, member):
    member.profile.challenge = "Zu viele Kanäle."
    member.profile.save()
    html = logged_in(client, member).get(NEW_WISH).content.decode()
    assert "Zu viele Kanäle." in html and FROM_CHALLENGE in html


def test_challenge_to_wish_needs_a_confirmed_address(client, unverified):
    unverified.profile.challenge = "Spam"
    unverified.profile.save()
    logged_in(client, unverified).post(FROM_CHALLENGE)
    assert not Wish.objects.exists()
