"""The RSVP box, "who is coming", seat counts on the cards, and the RSVP endpoint."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, User, Visibility
from core import pagecache
from events.models import RSVP, EventStatus, RSVPStatus
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client: Client) -> Client:
    """The tests read English; German is checked in the e-mail tests."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rsvp_url(event) -> str:
    return reverse("events:rsvp", kwargs={"slug": event.slug})


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def answer(client: Client, event, value: str = "going"):
    return client.post(rsvp_url(event), {"answer": value})


# The endpoint


def test_member_says_yes_and_goes_back_to_the_event(client, member, make_event) -> None:
    event = make_event(capacity=5)
    client.force_login(member)
    response = answer(client, event)
    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url() + "#rsvp"
    assert RSVP.objects.get(event=event, member=member).status == RSVPStatus.GOING
    assert any("You're in!" in m for m in flash(response))


def test_the_rsvp_box_promises_a_reminder_only_to_those_who_get_one(
    client, member, make_event
) -> None:
    event = make_event(capacity=5)
    event.rsvp(member)
    client.force_login(member)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "remind you the day before" not in html
    assert "Want a reminder the day before?" in html
    assert f'href="{reverse("accounts:mail-preferences")}">Turn it on</a>' in html
    Profile.objects.filter(user=member).update(notify_reminders=True)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "See you there! We will remind you the day before." in html
    assert "Want a reminder" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Bis dann! Wir erinnern dich am Tag vorher." in html


def test_full_event_message_tells_the_waiting_position(
    client, member, make_event
) -> None:
    event = make_event(capacity=1)
    event.rsvp(make_user("first@example.org"))
    client.force_login(member)
    response = answer(client, event)
    assert any("number 1 on the waiting list" in m for m in flash(response))


def test_member_cancels_with_cant_come(client, member, make_event) -> None:
    event = make_event()
    event.rsvp(member)
    client.force_login(member)
    response = answer(client, event, "not_going")
    assert response.status_code == 302
    assert RSVP.objects.get(member=member).status == RSVPStatus.NOT_GOING
    assert any("can't come" in m for m in flash(response))


def test_double_submit_is_harmless(client, member, make_event) -> None:
    event = make_event(capacity=1)
    client.force_login(member)
    answer(client, event)
    answer(client, event)
    assert RSVP.objects.filter(event=event).count() == 1
    assert event.rsvps.going().count() == 1


def test_anonymous_post_goes_to_login_and_back_to_the_event(client, make_event) -> None:
    event = make_event()
    response = answer(client, event)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" + event.get_absolute_url() in response["Location"]
    assert not RSVP.objects.exists()


def test_get_on_the_rsvp_url_is_not_allowed(client, member, make_event) -> None:
    event = make_event()
    client.force_login(member)
    assert client.get(rsvp_url(event)).status_code == 405
    assert not RSVP.objects.exists()


def test_post_without_csrf_token_is_forbidden(member, make_event) -> None:
    event = make_event()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    response = strict.post(rsvp_url(event), {"answer": "going"})
    assert response.status_code == 403
    assert not RSVP.objects.exists()


def test_unknown_event_is_404(client, member) -> None:
    client.force_login(member)
    response = client.post(
        reverse("events:rsvp", kwargs={"slug": "no-such-event"}), {"answer": "going"}
    )
    assert response.status_code == 404


def test_draft_event_is_404_for_members(client, member, make_event) -> None:
    event = make_event(status=EventStatus.DRAFT)
    client.force_login(member)
    assert answer(client, event).status_code == 404
    assert not RSVP.objects.exists()


def test_draft_event_is_refused_for_organizers_too(
    client, organizer, make_event
) -> None:
    event = make_event(status=EventStatus.DRAFT)
    client.force_login(organizer)
    response = answer(client, event)
    assert response.status_code == 302
    assert any("not published" in m for m in flash(response))
    assert not RSVP.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": EventStatus.CANCELLED}, "cancelled"),
        ({"starts_at": timezone.now() - timedelta(days=3)}, "already started"),
        ({"rsvp_opens_at": timezone.now() + timedelta(days=2)}, "RSVPs open on"),
        ({"rsvp_closes_at": timezone.now() - timedelta(minutes=1)}, "are closed"),
    ],
)
def test_closed_event_gives_a_message_and_changes_nothing(
    client, member, make_event, overrides, message
) -> None:
    event = make_event(**overrides)
    client.force_login(member)
    response = answer(client, event)
    assert response.status_code == 302
    assert any(message in m for m in flash(response))
    assert not RSVP.objects.exists()


def test_unverified_account_is_asked_to_confirm_first(client, make_event) -> None:
    event = make_event()
    client.force_login(make_user("new@example.org", verified=False))
    response = answer(client, event)
    assert any("confirm your e-mail address" in m for m in flash(response))
    assert not RSVP.objects.exists()


@pytest.mark.parametrize("data", [{}, {"answer": "maybe"}, {"answer": ""}])
def test_unknown_answer_is_a_bad_request(client, member, make_event, data) -> None:
    event = make_event()
    client.force_login(member)
    assert client.post(rsvp_url(event), data).status_code == 400
    assert not RSVP.objects.exists()


# The RSVP box


def page(client: Client, event) -> str:
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitor_sees_count_and_the_address_box(client, make_event) -> None:
    event = make_event(capacity=20)
    for i in range(3):
        event.rsvp(make_user(f"g{i}@example.org"))
    html = page(client, event)
    assert "3 of 20 places taken" in html
    assert f'action="{reverse("events:rsvp-by-email", args=[event.slug])}"' in html
    assert 'type="email" name="email"' in html
    assert "I'm coming" in html
    # The page is the same for every visitor (cached whole): no personal token.
    assert "csrfmiddlewaretoken" not in html
    assert 'name="answer"' not in html
    # The header's login link still leads back here.
    assert reverse("account_login") + "?next=" + event.get_absolute_url() in html


def test_member_sees_the_buttons(client, member, make_event) -> None:
    event = make_event()
    client.force_login(member)
    html = page(client, event)
    assert 'value="going"' in html and "I'm coming" in html
    assert 'value="not_going"' in html


def test_going_member_sees_status_and_cancel(client, member, make_event) -> None:
    event = make_event()
    event.rsvp(member)
    client.force_login(member)
    html = page(client, event)
    assert "pill-going" in html
    assert "Cancel my RSVP" in html


def test_waiting_member_sees_their_position(client, member, make_event) -> None:
    event = make_event(capacity=1)
    event.rsvp(make_user("a@example.org"))
    event.rsvp(make_user("b@example.org"))
    event.rsvp(member)
    client.force_login(member)
    html = page(client, event)
    assert "You are number 2 on the waiting list" in html
    assert "Leave the waiting list" in html
    assert "2 on the waiting list" in html


def test_full_event_offers_the_waiting_list(client, member, make_event) -> None:
    event = make_event(capacity=1)
    event.rsvp(make_user("a@example.org"))
    client.force_login(member)
    html = page(client, event)
    assert "fully booked" in html
    assert "Join the waiting list" in html


def test_unverified_member_is_offered_a_code_to_confirm(client, make_event) -> None:
    event = make_event()
    client.force_login(make_user("new@example.org", verified=False))
    html = page(client, event)
    assert "Your e-mail address is not confirmed yet" in html
    assert f'action="{reverse("events:rsvp-by-email", args=[event.slug])}"' in html
    assert 'value="new@example.org"' in html
    assert 'value="going"' not in html


def test_closed_window_shows_the_reason(client, member, make_event) -> None:
    event = make_event(rsvp_closes_at=timezone.now() - timedelta(hours=1))
    client.force_login(member)
    html = page(client, event)
    assert "RSVPs for this Stammtisch are closed." in html
    assert 'value="going"' not in html


def test_cancelled_and_past_events_have_no_rsvp_box(client, member, make_event) -> None:
    client.force_login(member)
    for event in (
        make_event(status=EventStatus.CANCELLED),
        make_event(starts_at=timezone.now() - timedelta(days=3)),
    ):
        assert 'id="rsvp"' not in page(client, event)


# Who is coming


def test_who_is_coming_respects_each_members_choice(client, member, make_event) -> None:
    event = make_event(capacity=None)
    public = make_user("pub@example.org", name="Paula Public")
    Profile.objects.filter(user=public).update(visibility=Visibility.PUBLIC)
    members_only = make_user("mem@example.org", name="Mona Members")
    hidden = make_user("hid@example.org", name="Hanna Hidden")
    Profile.objects.filter(user=hidden).update(
        visibility=Visibility.PUBLIC, show_in_attendee_lists=False
    )
    orga_only = make_user("org@example.org", name="Otto Orgaonly")
    Profile.objects.filter(user=orga_only).update(visibility=Visibility.ORGANIZERS)
    for person in (public, members_only, hidden, orga_only):
        event.rsvp(person)

    anonymous = page(client, event)
    assert "Paula Public" in anonymous
    assert "Mona Members" not in anonymous
    assert "and 3 more people" in anonymous

    client.force_login(member)
    logged_in = page(client, event)
    assert "Paula Public" in logged_in and "Mona Members" in logged_in
    assert "Hanna Hidden" not in logged_in and "Otto Orgaonly" not in logged_in
    assert "and 2 more people" in logged_in


def test_member_sees_their_own_face_after_saying_yes(
    client, member, make_event
) -> None:
    event = make_event()
    client.force_login(member)
    answer(client, event)
    html = page(client, event)
    assert "Mia Muster" in html
    assert 'class="avatar avatar-md avatar-initials" aria-hidden="true">MM<' in html


def test_nobody_going_invites_to_be_first(client, make_event) -> None:
    assert "Be the first!" in page(client, make_event())


def test_waiting_members_are_not_listed(client, member, make_event) -> None:
    event = make_event(capacity=1)
    first = make_user("first@example.org", name="Fiona First")
    Profile.objects.filter(user=first).update(visibility=Visibility.PUBLIC)
    second = make_user("second@example.org", name="Walter Waiting")
    Profile.objects.filter(user=second).update(visibility=Visibility.PUBLIC)
    event.rsvp(first)
    event.rsvp(second)
    html = page(client, event)
    assert "Fiona First" in html and "Walter Waiting" not in html


# Event cards


def test_cards_show_seats_and_the_viewers_status(client, member, make_event) -> None:
    first, second, third = make_event(capacity=20), make_event(), make_event()
    for event in (first, second, third):
        event.rsvp(make_user(f"x{event.pk}@example.org"))
    second.rsvp(member)
    client.force_login(member)
    for url in (reverse("events:home"), reverse("events:list")):
        html = client.get(url).content.decode()
        assert "2 of 20 places taken" in html
        assert "seats-fill-10" in html
        assert "You're going" in html


def test_a_card_is_shared_by_those_who_gave_the_same_answer(make_event) -> None:
    """Cards are kept per date and answer: each viewer sees their own status on
    every view, and a card is rendered once for everyone with that answer."""
    first, second = make_event(capacity=1), make_event(capacity=10)
    going, waiting, undecided = (make_user(f"{n}@example.org") for n in "gwu")
    first.rsvp(going)
    first.rsvp(waiting)
    second.rsvp(going)
    expected = {
        going: ["You're going", "You're going"],
        waiting: ["Waiting list, number 1"],
        undecided: [],
    }
    seen = {}
    for _ in range(2):  # rendered, then from the kept cards
        for viewer, statuses in expected.items():
            viewer_client = Client()
            viewer_client.force_login(viewer)
            viewer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            html = viewer_client.get(reverse("events:list")).content.decode()
            shown = [
                s
                for s in ("You're going", "Waiting list, number 1")
                for _ in range(html.count(s))
            ]
            assert sorted(shown) == sorted(statuses), viewer
            cards = re.findall(r'<article class="event-card.*?</article>', html, re.S)
            assert len(cards) == 2
            seen.setdefault(viewer, cards)
            assert cards == seen[viewer]
    # first: going, waiting, none; second: going, none.
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    pieces = list(client.scan_iter(f"{prefix}:*:piece:*"))
    assert len(pieces) == 5
    # An answer changes the viewer's card on the next view.
    second.rsvp(undecided)
    viewer_client = Client()
    viewer_client.force_login(undecided)
    viewer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = viewer_client.get(reverse("events:list")).content.decode()
    assert html.count("You're going") == 1
    assert "2 of 10 places taken" in html


# Query counts


def add_going(event, count: int, prefix: str) -> None:
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@example.org") for i in range(count)]
    )
    Profile.objects.bulk_create(
        [
            Profile(
                user=user,
                handle=f"{prefix}{i}",
                display_name=f"Guest {i}",
                visibility=Visibility.PUBLIC if i % 2 else Visibility.MEMBERS,
            )
            for i, user in enumerate(users)
        ]
    )
    RSVP.objects.bulk_create(
        [RSVP(event=event, member=user, status=RSVPStatus.GOING) for user in users]
    )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("logged_in", [False, True])
def test_event_page_queries_do_not_grow_with_rsvps(
    client, member, make_event, logged_in, django_assert_max_num_queries
) -> None:
    small, big = make_event(capacity=None), make_event(capacity=None)
    add_going(small, 5, "s")
    add_going(big, 500, "b")
    if logged_in:
        client.force_login(member)
    client.get(small.get_absolute_url())  # warm caches (session, content types)
    # Session, member, the event with its counts, the member's own answer, the
    # people going (for the shared part of the page).
    with django_assert_max_num_queries(6):
        client.get(big.get_absolute_url())
    assert count_queries(client, small.get_absolute_url()) == count_queries(
        client, big.get_absolute_url()
    )


@pytest.mark.parametrize("logged_in", [False, True])
def test_waiting_member_event_page_stays_within_budget(
    client, member, make_event, logged_in, django_assert_max_num_queries
) -> None:
    event = make_event(capacity=3)
    add_going(event, 3, "w")
    event.rsvp(member)
    if logged_in:
        client.force_login(member)
    client.get(event.get_absolute_url())
    with django_assert_max_num_queries(5):
        client.get(event.get_absolute_url())


@pytest.mark.parametrize("url_name", ["events:home", "events:list"])
def test_card_pages_queries_do_not_grow_with_rsvps(
    client, member, make_event, url_name, django_assert_max_num_queries
) -> None:
    events = [make_event(capacity=600) for _ in range(4)]
    client.force_login(member)
    url = reverse(url_name)
    client.get(url)
    before = count_queries(client, url)
    for n, event in enumerate(events):
        add_going(event, 100, f"e{n}-")
        event.rsvp(member)
    # Session, member, the events with their counts, the member's own answers,
    # and what the page shows around them (shared pieces, rendered afresh once the
    # RSVPs ended the generation; starting the next one is not counted here).
    pagecache.current_generation()
    with django_assert_max_num_queries(6):
        client.get(url)
    assert count_queries(client, url) == before
