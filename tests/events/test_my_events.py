"""The "my events" page and the personal calendar feed behind a secret token."""

from datetime import timedelta

import icalendar
import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from events.models import RSVP, EventStatus, RSVPStatus
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

MY_EVENTS = "/me/events/"
CALENDAR_LINK = "/me/events/calendar-link/"


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def past_event(make_event, days: int = 10, **overrides):
    start = timezone.now() - timedelta(days=days)
    return make_event(starts_at=start, ends_at=start + timedelta(hours=3), **overrides)


def test_urls_read_like_the_site() -> None:
    assert reverse("events:my-events") == MY_EVENTS
    assert reverse("events:calendar-link") == CALENDAR_LINK


def test_anonymous_visitor_is_sent_to_login(client) -> None:
    response = client.get(MY_EVENTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_member_sees_upcoming_rsvps_with_status_and_past_evenings(
    client, member, stranger, make_event
) -> None:
    going = make_event(title="Going evening")
    full = make_event(title="Full evening", capacity=1)
    full.rsvp(stranger)
    declined = make_event(title="Declined evening")
    others = make_event(title="Only the stranger")
    going.rsvp(member)
    full.rsvp(member)
    declined.decline(member)
    others.rsvp(stranger)
    been_there = past_event(make_event, title="Last month")
    RSVP.objects.create(event=been_there, member=member, status=RSVPStatus.GOING)
    skipped = past_event(make_event, days=40, title="Skipped")
    RSVP.objects.create(event=skipped, member=member, status=RSVPStatus.NOT_GOING)
    draft = make_event(title="Secret draft", status=EventStatus.DRAFT)
    RSVP.objects.create(event=draft, member=member, status=RSVPStatus.GOING)

    client.force_login(member)
    html = client.get(MY_EVENTS).content.decode()

    for text in ("Going evening", "Full evening", "Declined evening", "Last month"):
        assert text in html
    for text in ("Only the stranger", "Skipped", "Secret draft"):
        assert text not in html
    assert "Waiting list, number 1" in html
    assert "You can't come" in html
    assert html.index("Going evening") < html.index("Full evening")


def test_empty_page_points_to_the_dates(client, member) -> None:
    client.force_login(member)
    html = client.get(MY_EVENTS).content.decode()
    assert "You have not answered any upcoming date yet." in html
    assert reverse("events:list") in html


def test_my_events_queries_do_not_grow(
    client, member, make_event, django_assert_max_num_queries
) -> None:
    client.force_login(member)
    for _ in range(3):
        make_event(capacity=1).rsvp(member)
    client.get(MY_EVENTS)
    with CaptureQueriesContext(connection) as few:
        client.get(MY_EVENTS)
    for _ in range(30):
        make_event(capacity=1).rsvp(member)
        RSVP.objects.create(
            event=past_event(make_event), member=member, status=RSVPStatus.GOING
        )
    with django_assert_max_num_queries(5):
        client.get(MY_EVENTS)
    with CaptureQueriesContext(connection) as many:
        client.get(MY_EVENTS)
    assert len(few) == len(many)


# The personal calendar feed


def feed_path(token: str) -> str:
    return reverse("events:personal-feed", kwargs={"token": token})


def token_of(user) -> str:
    return Profile.objects.get(user=user).calendar_token


def test_calendar_link_is_made_on_demand(client, member) -> None:
    client.force_login(member)
    assert token_of(member) is None
    assert "Create my calendar address" in client.get(MY_EVENTS).content.decode()
    response = client.post(CALENDAR_LINK)
    assert response.status_code == 302
    assert response["Location"] == MY_EVENTS + "#calendar"
    token = token_of(member)
    assert len(token) == 43
    html = client.get(MY_EVENTS).content.decode()
    assert feed_path(token) in html
    assert "webcal://" in html
    # The site's own address, whatever Host the request named.
    site = settings.SITE_URL.split("://", 1)[-1]
    html = client.get(MY_EVENTS, headers={"host": "localhost"}).content.decode()
    assert f"webcal://{site}{feed_path(token)}" in html
    assert f"{settings.SITE_URL}{feed_path(token)}" in html


def test_calendar_link_needs_post_and_login(client, member) -> None:
    assert client.post(CALENDAR_LINK).status_code == 302  # to the login page
    client.force_login(member)
    assert client.get(CALENDAR_LINK).status_code == 405
    assert token_of(member) is None


def test_calendar_link_post_needs_csrf(member) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(CALENDAR_LINK).status_code == 403
    assert token_of(member) is None


def test_feed_lists_the_events_i_am_going_to(
    client, member, stranger, make_event
) -> None:
    client.force_login(member)
    client.post(CALENDAR_LINK)
    token = token_of(member)
    client.logout()  # calendar apps do not log in
    going = make_event(title="Going")
    waiting = make_event(title="Waiting", capacity=1)
    waiting.rsvp(stranger)
    not_going = make_event(title="Declined")
    strangers = make_event(title="Stranger only")
    going.rsvp(member)
    waiting.rsvp(member)
    not_going.decline(member)
    strangers.rsvp(stranger)
    cancelled = make_event(title="Called off")
    cancelled.rsvp(member)
    cancelled.cancel()

    response = client.get(feed_path(token))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.content)
    entries = {str(e["summary"]).split(":")[0]: e for e in calendar.walk("VEVENT")}
    assert set(entries) == {"Going", "Called off"}
    assert str(entries["Called off"]["status"]) == "CANCELLED"
    assert str(entries["Going"]["uid"]) == going.uid


@pytest.mark.parametrize(
    "token", ["x" * 43, "short", "A" * 44, "../../etc/passwd", "%00" * 15]
)
def test_wrong_token_is_404(client, member, token) -> None:
    client.force_login(member)
    client.post(CALENDAR_LINK)
    assert client.get(f"/events/feed/{token}.ics").status_code == 404


def test_no_token_no_feed(client) -> None:
    assert client.get("/events/feed/.ics").status_code == 404


def test_a_new_link_invalidates_the_old_one(client, member, make_event) -> None:
    make_event().rsvp(member)
    client.force_login(member)
    client.post(CALENDAR_LINK)
    old = token_of(member)
    assert client.get(feed_path(old)).status_code == 200
    response = client.post(CALENDAR_LINK)
    new = token_of(member)
    assert new != old
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("old one no longer works" in m for m in shown)


def test_feed_queries_do_not_grow(
    client, member, make_event, django_assert_max_num_queries
) -> None:
    client.force_login(member)
    client.post(CALENDAR_LINK)
    path = feed_path(token_of(member))
    client.logout()
    make_event().rsvp(member)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for _ in range(20):
        make_event().rsvp(member)
    with django_assert_max_num_queries(3):
        client.get(path)
    with CaptureQueriesContext(connection) as many:
        client.get(path)
    assert len(few) == len(many)


def test_feed_name_is_in_the_members_language(client, make_event) -> None:
    english = make_user("en@example.org")
    Profile.objects.filter(user=english).update(preferred_language="en")
    client.force_login(english)
    client.post(CALENDAR_LINK)
    body = client.get(feed_path(token_of(english))).content.decode()
    assert "X-WR-CALNAME:My #SoMe Stammtisch dates" in body
