"""IDOR: nobody reads, changes or deletes what another member owns by guessing ids.

For every object a member owns (RSVP, comment, profile, proposal, wish, personal
calendar link, data export, the account itself) another member and an anonymous
visitor try every URL that reads, changes or deletes it, with the owner's ids and
slugs. Each attempt must be refused (403, 404, or the login page for a visitor) and
leave every row as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from accounts.models import Profile, User, Visibility
from events.models import RSVP, Comment
from events.models.rsvp import renew_calendar_token
from impulses.models import Proposal, Vote, Wish
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event

pytestmark = pytest.mark.django_db

READ, CHANGE, DELETE = "read", "change", "delete"


@dataclass
class Owned:
    owner: User
    rsvp: RSVP
    comment: Comment
    profile: Profile
    proposal: Proposal
    wish: Wish
    token: str
    recap_slug: str
    event_slug: str


@pytest.fixture
def owned(make_event, organizer) -> Owned:
    owner = make_user("owner@example.org", name="Olli Owner")
    profile = owner.profile
    Profile.objects.filter(pk=profile.pk).update(
        visibility=Visibility.ORGANIZERS, bio="Privat", organisation="Geheim GmbH"
    )
    profile.refresh_from_db()
    event = make_event(capacity=1)
    rsvp = event.rsvp(owner)
    recap = make_recap(past_event(make_event), author=organizer)
    comment = recap.add_comment(owner, "Mein Kommentar")
    proposal = Proposal.objects.create(
        proposer=owner, title="Mein Impuls", abstract="Entwurf", private_note="Notiz"
    )
    wish = Wish.objects.create(author=owner, title="Mein Wunsch", context="Kontext")
    wish.close()  # closed wishes are for their author and the Orga-Team only
    Vote.objects.create(wish=Wish.objects.create(title="Offen"), member=owner)
    token = (
        renew_calendar_token(profile)
        or Profile.objects.get(pk=profile.pk).calendar_token
    )
    return Owned(
        owner=owner,
        rsvp=rsvp,
        comment=comment,
        profile=Profile.objects.get(pk=profile.pk),
        proposal=proposal,
        wish=wish,
        token=token,
        recap_slug=recap.slug,
        event_slug=event.slug,
    )


def snapshot(owner: User) -> dict[str, Any]:
    """Every row of the owner's that an attack could touch, as plain values."""
    return {
        "user": [
            model_to_dict(u, exclude=["last_login"])
            for u in User.objects.filter(pk=owner.pk)
        ],
        "profile": [model_to_dict(p) for p in Profile.objects.filter(user=owner)],
        "rsvps": [model_to_dict(r) for r in RSVP.objects.filter(member=owner)],
        "comments": [model_to_dict(c) for c in Comment.objects.filter(author=owner)],
        "proposals": [
            model_to_dict(p) for p in Proposal.objects.filter(proposer=owner)
        ],
        "wishes": [model_to_dict(w) for w in Wish.objects.filter(author=owner)],
        "votes": list(Vote.objects.filter(member=owner).values_list("wish", "member")),
    }


@dataclass(frozen=True)
class Attempt:
    obj: str
    action: str
    method: str
    url: Callable[[Owned], str]
    data: Callable[[Owned], dict[str, Any]] = lambda o: {}
    # What the other member may see instead of 403/404: the page they asked for,
    # showing only their own things (checked by `must_not_show`).
    own_view: bool = False


def _comment(name: str) -> Callable[[Owned], str]:
    return lambda o: reverse(
        f"events:{name}", kwargs={"slug": o.recap_slug, "pk": o.comment.pk}
    )


def _proposal(name: str) -> Callable[[Owned], str]:
    return lambda o: reverse(f"impulses:{name}", kwargs={"pk": o.proposal.pk})


ATTEMPTS = [
    # RSVP: no page shows someone else's; the door list and "my events" are guarded.
    Attempt("RSVP", READ, "get", lambda o: reverse("events:my-events"), own_view=True),
    Attempt(
        "RSVP",
        READ,
        "get",
        lambda o: reverse("events:checkin", kwargs={"slug": o.event_slug}),
    ),
    Attempt(
        "RSVP",
        READ,
        "get",
        lambda o: reverse("events:orga-attendees-csv", kwargs={"slug": o.event_slug}),
    ),
    Attempt(
        "RSVP",
        CHANGE,
        "post",
        lambda o: reverse(
            "events:checkin-toggle", kwargs={"slug": o.event_slug, "pk": o.rsvp.pk}
        ),
        lambda o: {"here": "1"},
    ),
    Attempt(
        "RSVP",
        DELETE,
        "post",
        lambda o: reverse(
            "events:free-seat", kwargs={"slug": o.event_slug, "token": str(o.rsvp.pk)}
        ),
    ),
    Attempt(
        "RSVP",
        DELETE,
        "post",
        lambda o: reverse(
            "events:free-seat",
            kwargs={
                "slug": o.event_slug,
                "token": o.rsvp.free_seat_token()[:-2] + "xx",
            },
        ),
    ),
    # Comment
    Attempt("comment", READ, "get", _comment("comment-edit")),
    Attempt(
        "comment",
        CHANGE,
        "post",
        _comment("comment-edit"),
        lambda o: {"body": "Gehackt"},
    ),
    Attempt("comment", CHANGE, "post", _comment("comment-hide")),
    Attempt("comment", DELETE, "post", _comment("comment-delete")),
    Attempt(
        "comment",
        CHANGE,
        "post",
        lambda o: reverse(
            "events:comment-edit", kwargs={"slug": "other-recap", "pk": o.comment.pk}
        ),
        lambda o: {"body": "Gehackt"},
    ),
    # Profile (visible to the Orga-Team only)
    Attempt(
        "profile",
        READ,
        "get",
        lambda o: reverse("accounts:profile", kwargs={"handle": o.profile.handle}),
    ),
    Attempt(
        "profile",
        READ,
        "get",
        lambda o: reverse(
            "accounts:profile", kwargs={"handle": o.profile.handle.upper()}
        ),
    ),
    Attempt(
        "profile", READ, "get", lambda o: reverse("accounts:directory"), own_view=True
    ),
    Attempt(
        "profile",
        CHANGE,
        "post",
        lambda o: reverse("accounts:edit-profile"),
        lambda o: {
            "user": o.owner.pk,
            "id": o.profile.pk,
            "handle": o.profile.handle,
            "display_name": "Gehackt",
            "visibility": "public",
            "preferred_language": "de",
        },
        own_view=True,
    ),
    Attempt(
        "profile",
        DELETE,
        "post",
        lambda o: reverse("accounts:delete"),
        # Deletes the other member's own account, never the owner's.
        lambda o: {"user": o.owner.pk, "confirm": "on", "password": "correct horse"},
    ),
    # Proposal (submitted: for its proposer and the Orga-Team only)
    Attempt("proposal", READ, "get", _proposal("proposal-detail")),
    Attempt("proposal", READ, "get", _proposal("proposal-edit")),
    Attempt(
        "proposal",
        READ,
        "get",
        lambda o: reverse("impulses:proposal-mine"),
        own_view=True,
    ),
    Attempt(
        "proposal",
        CHANGE,
        "post",
        _proposal("proposal-edit"),
        lambda o: {"title": "Gehackt", "abstract": "x", "length": 10},
    ),
    Attempt("proposal", DELETE, "post", _proposal("proposal-withdraw")),
    # Wish (closed: for its author and the Orga-Team only)
    Attempt(
        "wish",
        READ,
        "get",
        lambda o: reverse("impulses:wish-detail", kwargs={"pk": o.wish.pk}),
    ),
    Attempt(
        "wish",
        CHANGE,
        "post",
        lambda o: reverse("impulses:wish-vote", kwargs={"pk": o.wish.pk}),
    ),
    Attempt(
        "wish",
        DELETE,
        "post",
        lambda o: reverse(
            "impulses:wish-unvote", kwargs={"pk": Vote.objects.get().wish_id}
        ),
    ),
    # Personal calendar feed: a guessed or shortened token finds nothing
    Attempt(
        "calendar link",
        READ,
        "get",
        # One character off (never the same one: a token may end in "A" itself).
        lambda o: reverse(
            "events:personal-feed",
            kwargs={"token": o.token[:-1] + ("B" if o.token.endswith("A") else "A")},
        ),
    ),
    Attempt(
        "calendar link",
        READ,
        "get",
        lambda o: reverse("events:personal-feed", kwargs={"token": o.token[:20]}),
    ),
    Attempt(
        "calendar link",
        READ,
        "get",
        lambda o: reverse("events:personal-feed", kwargs={"token": str(o.profile.pk)}),
    ),
    Attempt(
        "calendar link",
        CHANGE,
        "post",
        lambda o: reverse("events:calendar-link"),
        lambda o: {"user": o.owner.pk, "profile": o.profile.pk},
    ),
    # Data export: always the requester's own data, whatever is asked for
    Attempt(
        "data export",
        READ,
        "get",
        lambda o: reverse("accounts:export") + f"?user={o.owner.pk}&pk={o.owner.pk}",
        own_view=True,
    ),
    # The Orga-Team's tools on the owner's event
    Attempt(
        "RSVP",
        CHANGE,
        "post",
        lambda o: reverse("events:checkin-walk-in", kwargs={"slug": o.event_slug}),
        lambda o: {"member": o.owner.pk},
    ),
    Attempt(
        "RSVP",
        READ,
        "get",
        lambda o: reverse("events:orga-message", kwargs={"slug": o.event_slug}),
    ),
]

# What the owner's things say; none of it may show up for anyone else.
SECRETS = [
    "owner@example.org",
    "Mein Kommentar",
    "Entwurf",
    "Notiz",
    "Privat",
    "Geheim",
]


def _actor(client: Client, who: str) -> Client:
    if who == "other member":
        client.force_login(make_user("other@example.org", name="Otto Anders"))
    return client


def _ids(attempt: Attempt) -> str:
    return f"{attempt.obj}-{attempt.action}-{attempt.method}-{ATTEMPTS.index(attempt)}"


@pytest.mark.parametrize("who", ["other member", "anonymous"])
@pytest.mark.parametrize("attempt", ATTEMPTS, ids=_ids)
def test_nobody_else_reads_changes_or_deletes_a_members_things(
    client: Client, owned: Owned, attempt: Attempt, who: str
) -> None:
    client = _actor(client, who)
    before = snapshot(owned.owner)
    url = attempt.url(owned)
    response = getattr(client, attempt.method)(url, attempt.data(owned))
    status = response.status_code
    if who == "anonymous" and status == 302:
        assert response["Location"].startswith(reverse("account_login")), url
    elif attempt.own_view and status == 200:
        body = response.content.decode()
        leaked = [s for s in SECRETS if s in body]
        assert not leaked, (url, leaked)
    elif status == 302 and attempt.method == "post":
        # A refused action may send the member back with a message.
        pass
    else:
        assert status in (403, 404, 405, 410), (url, status)
    after = snapshot(owned.owner)
    assert after == before, url


def test_the_owner_can_do_all_of_it(client: Client, owned: Owned) -> None:
    """The same URLs work for the owner: the refusals above are not just broken URLs."""
    client.force_login(owned.owner)
    assert client.get(_comment("comment-edit")(owned)).status_code == 200
    assert client.get(_proposal("proposal-detail")(owned)).status_code == 200
    assert client.get(_proposal("proposal-edit")(owned)).status_code == 200
    assert (
        client.get(
            reverse("impulses:wish-detail", kwargs={"pk": owned.wish.pk})
        ).status_code
        == 200
    )
    profile_url = reverse("accounts:profile", kwargs={"handle": owned.profile.handle})
    assert client.get(profile_url).status_code == 200
    feed = client.get(reverse("events:personal-feed", kwargs={"token": owned.token}))
    assert feed.status_code == 200
    assert b"BEGIN:VCALENDAR" in feed.content
    export = client.get(reverse("accounts:export"))
    assert "owner@example.org" in export.content.decode()
    assert "Mein Kommentar" in export.content.decode()
    response = client.post(_comment("comment-delete")(owned))
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=owned.comment.pk, deleted_at=None).exists()


def test_another_members_export_holds_nothing_of_the_owner(
    client: Client, owned: Owned
) -> None:
    client.force_login(make_user("other@example.org"))
    body = client.get(reverse("accounts:export")).content.decode()
    assert "other@example.org" in body
    assert not [s for s in SECRETS if s in body]


def test_a_renewed_calendar_link_ends_the_old_one(client: Client, owned: Owned) -> None:
    old = owned.token
    client.force_login(owned.owner)
    client.post(reverse("events:calendar-link"))
    new = Profile.objects.get(pk=owned.profile.pk).calendar_token
    assert new != old
    assert (
        client.get(reverse("events:personal-feed", kwargs={"token": old})).status_code
        == 404
    )
    assert (
        client.get(reverse("events:personal-feed", kwargs={"token": new})).status_code
        == 200
    )


def test_counts_for_the_closing_note(capsys) -> None:
    objects = {a.obj for a in ATTEMPTS}
    actions = {(a.obj, a.action) for a in ATTEMPTS}
    with capsys.disabled():
        print(
            f"\nIDOR: {len(objects)} kinds of object, {len(actions)} "
            f"object×action pairs, {len(ATTEMPTS)} attempts × 2 actors = "
            f"{2 * len(ATTEMPTS)} requests"
        )
    assert {a.action for a in ATTEMPTS} == {READ, CHANGE, DELETE}
