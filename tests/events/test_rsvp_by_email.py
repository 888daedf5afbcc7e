"""'I'm coming' without an account: an address on the event page, then a code or
the link from the e-mail; the RSVP is made once, by the usual rules."""

import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, User
from events.models import RSVP, EventStatus, PendingRSVP, RSVPStatus
from events.models.pending import MAX_CODE_ATTEMPTS, PENDING_RSVP_LIFETIME
from events.views.rsvp_by_email import SESSION_KEY
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# allauth's login code format, which the RSVP codes share.
CODE = re.compile(r"\b([B-Z]{4}-[B-Z]{4})\b")
LINK = re.compile(r"http://127\.0\.0\.1:8000(/events/[^/\s]+/rsvp/link/[^/\s]+/)")
SAME_SITE = {"sec-fetch-site": "same-origin", "accept-language": "en"}


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    """The rate limits live in the cache: every test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client() -> Client:
    return Client(headers={"accept-language": "en"})


def start(client: Client, event: Any, email: str, name: str = "", **headers: str):
    return client.post(
        reverse("events:rsvp-by-email", args=[event.slug]),
        {"email": email, "name": name},
        headers={**SAME_SITE, **headers},
    )


def code_url(event: Any) -> str:
    return reverse("events:rsvp-code", args=[event.slug])


def code_in(message: Any) -> str:
    return CODE.search(message.subject).group(1)


def link_in(message: Any) -> str:
    return LINK.search(message.body).group(1)


def wrong(code: str) -> str:
    return "BBBB-BBBB" if code != "BBBB-BBBB" else "CCCC-CCCC"


def test_a_stranger_rsvps_with_address_and_code_in_two_posts(
    client: Client,
    make_event: Callable[..., Any],
    mailoutbox: list,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = make_event()
    response = start(client, event, "Nina.Neu@Example.org", name="Nina Neu")
    assert response.status_code == 302
    assert response.url == code_url(event) + "#rsvp"
    # Nothing yet but the wish and the mail.
    assert not User.objects.filter(email__iexact="nina.neu@example.org").exists()
    (message,) = mailoutbox
    assert message.to == ["nina.neu@example.org"]
    assert message.subject.startswith("[#SoMeH] Your code for ")
    code = code_in(message)
    assert code in message.body and link_in(message)
    assert "Hello Nina Neu," in message.body

    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "nina.neu@example.org" in html  # the visitor's own, in their session
    assert 'name="code"' in html and "csrfmiddlewaretoken" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(code_url(event), {"code": code.lower()})
    assert response.status_code == 302
    assert response.url == event.get_absolute_url() + "#rsvp"
    member = User.objects.get(email="nina.neu@example.org")
    assert client.session["_auth_user_id"] == str(member.pk)
    assert RSVP.objects.get(event=event, member=member).status == RSVPStatus.GOING
    assert not member.has_usable_password()
    address = EmailAddress.objects.get(user=member)
    assert address.verified and address.primary
    profile = Profile.objects.get(user=member)
    assert profile.display_name == "Nina Neu"
    assert profile.handle == "nina-neu"
    assert not profile.notify_announcements  # nothing ticked for them
    # The confirmation mail with the calendar entry follows, as for every RSVP.
    assert mailoutbox[-1].subject.startswith("[#SoMeH] You're in: ")

    # On the event page the answer is in the RSVP box, not only at the top.
    html = client.get(response.url).content.decode()
    box = html[html.index('id="rsvp"') :]
    assert "rsvp-feedback" in box and "You&#x27;re in!" in box
    assert "You're going" in box
    assert "You&#x27;re in!" not in html[: html.index('id="rsvp"')]


def test_a_name_is_optional_and_nothing_comes_from_the_address(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    start(client, event, "zorro.quix42@example.org")
    client.post(code_url(event), {"code": code_in(mailoutbox[0])})
    profile = Profile.objects.get(user__email="zorro.quix42@example.org")
    assert profile.display_name == ""
    assert profile.handle.startswith("member-") and "zorro" not in profile.handle
    assert profile.name.startswith("Member since ")
    assert "Hello," in mailoutbox[0].body


def test_an_existing_member_uses_the_same_box(
    client: Client, make_event: Callable[..., Any], member: User, mailoutbox: list
) -> None:
    event = make_event()
    start(client, event, "MIA@example.org", name="Someone Else")
    response = client.post(code_url(event), {"code": code_in(mailoutbox[0])})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert RSVP.objects.get(event=event, member=member).is_going
    assert User.objects.count() == 1
    # A chosen name stays as it is.
    assert Profile.objects.get(user=member).display_name == "Mia Muster"


def test_a_member_who_never_confirmed_is_confirmed_by_the_code(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    pending = make_user("new@example.org", verified=False)
    client.force_login(pending)
    html = client.get(event.get_absolute_url()).content.decode()
    assert f'action="{reverse("events:rsvp-by-email", args=[event.slug])}"' in html
    start(client, event, "new@example.org")
    client.post(code_url(event), {"code": code_in(mailoutbox[0])})
    assert EmailAddress.objects.get(user=pending).verified
    assert RSVP.objects.get(event=event, member=pending).is_going


def test_a_full_evening_puts_the_stranger_on_the_waiting_list_with_position(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event(capacity=1)
    event.rsvp(make_user("first@example.org"))
    event.rsvp(make_user("second@example.org"))
    mailoutbox.clear()
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Join the waiting list" in html
    start(client, event, "third@example.org")
    client.post(code_url(event), {"code": code_in(mailoutbox[0])})
    member = User.objects.get(email="third@example.org")
    assert RSVP.objects.get(event=event, member=member).is_waiting
    html = client.get(event.get_absolute_url()).content.decode()
    assert "number 2 on the waiting list" in html


def test_the_mail_link_works_in_another_browser_once(
    make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    phone = Client(headers={"accept-language": "en"})
    start(phone, event, "lea@example.org")
    link = link_in(mailoutbox[0])

    laptop = Client(headers={"accept-language": "en"})  # no cookies shared
    page = laptop.get(link)
    assert page.status_code == 200
    assert "Yes, I'm coming" in page.content.decode()
    # Opening the link (as mail scanners do) changes nothing.
    assert not User.objects.filter(email="lea@example.org").exists()

    response = laptop.post(link)
    assert response.status_code == 302
    assert response.url == event.get_absolute_url() + "#rsvp"
    member = User.objects.get(email="lea@example.org")
    assert laptop.session["_auth_user_id"] == str(member.pk)
    assert RSVP.objects.get(event=event, member=member).is_going

    # Used: neither the link nor the code in the first browser does it again.
    again = Client().get(link)
    assert again.status_code == 410
    assert Client().post(link).status_code == 410
    response = phone.post(code_url(event), {"code": code_in(mailoutbox[0])})
    assert response.status_code == 302
    assert "_auth_user_id" not in phone.session
    assert RSVP.objects.filter(member=member).count() == 1


def test_a_link_that_does_not_exist_or_belongs_elsewhere_is_404(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event, other = make_event(), make_event()
    start(client, event, "lea@example.org")
    token = link_in(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    url = reverse("events:rsvp-link", args=[other.slug, token])
    assert client.get(url).status_code == 404
    made_up = reverse("events:rsvp-link", args=[event.slug, "x" * 43])
    assert client.get(made_up).status_code == 404
    assert client.post(made_up).status_code == 404


def test_wrong_codes_are_counted_and_end_the_pending_rsvp(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    start(client, event, "lea@example.org")
    code = code_in(mailoutbox[0])
    for attempt in range(1, MAX_CODE_ATTEMPTS):
        response = client.post(code_url(event), {"code": wrong(code)})
        assert response.status_code == 400
        assert "This code is not right" in response.content.decode()
        assert PendingRSVP.objects.get().code_attempts == attempt
    response = client.post(code_url(event), {"code": wrong(code)})
    assert response.status_code == 302  # the last try: back to the address box
    assert SESSION_KEY not in client.session
    html = client.get(response.url).content.decode()
    assert "This code no longer works" in html
    # Now even the right code does nothing, and so does the link.
    assert client.post(code_url(event), {"code": code}).status_code == 302
    assert client.post(link_in(mailoutbox[0])).status_code == 410
    assert not User.objects.filter(email="lea@example.org").exists()


def test_an_expired_pending_rsvp_does_nothing(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    start(client, event, "lea@example.org")
    later = timezone.now() + PENDING_RSVP_LIFETIME + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        response = client.post(code_url(event), {"code": code_in(mailoutbox[0])})
        assert response.status_code == 302
        assert "This code no longer works" in client.get(response.url).content.decode()
        assert Client().get(link_in(mailoutbox[0])).status_code == 410
        assert Client().post(link_in(mailoutbox[0])).status_code == 410
    assert not User.objects.filter(email="lea@example.org").exists()
    assert not RSVP.objects.exists()


def test_the_code_step_without_a_pending_rsvp_asks_for_the_address(
    client: Client, make_event: Callable[..., Any]
) -> None:
    event = make_event()
    response = client.get(code_url(event))
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "Enter your e-mail address and we send you a code." in html
    assert client.post(code_url(event), {"code": "BBBB-BBBB"}).status_code == 302


def test_a_bad_address_is_explained_and_the_name_kept(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    for address, message in [
        ("", "Please enter your e-mail address."),
        ("mia-at-example.org", "This does not look like an e-mail address."),
        ("x" * 250 + "@example.org", "at most 254 characters"),
    ]:
        response = start(client, event, address, name="Nina")
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert 'value="Nina"' in html
    assert mailoutbox == []
    assert not PendingRSVP.objects.exists()


def test_a_post_from_another_site_is_refused(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    url = reverse("events:rsvp-by-email", args=[event.slug])
    data = {"email": "victim@example.org"}
    assert client.post(url, data).status_code == 403
    for headers in (
        {"sec-fetch-site": "cross-site"},
        {"origin": "https://evil.example"},
    ):
        assert client.post(url, data, headers=headers).status_code == 403
    assert mailoutbox == []
    assert (
        client.post(url, data, headers={"origin": "http://testserver"}).status_code
        == 302
    )


def test_nobody_can_flood_an_inbox_through_the_box(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    for _ in range(3):
        assert start(client, event, "victim@example.org").status_code == 302
    response = start(client, event, "victim@example.org")
    assert response.status_code == 429
    assert "We have sent several codes already" in response.content.decode()
    assert len(mailoutbox) == 3


def test_one_address_cannot_send_codes_to_everyone(
    make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    client = Client(REMOTE_ADDR="203.0.113.5", headers={"accept-language": "en"})
    statuses = [
        start(client, event, f"person{i}@example.org").status_code for i in range(11)
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert len(mailoutbox) == 10
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert start(other, event, "someone@example.org").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        {"status": EventStatus.CANCELLED},
        {"rsvp_closes_at": timezone.now() - timedelta(hours=1)},
    ],
)
def test_a_closed_evening_sends_no_code(
    client: Client, make_event: Callable[..., Any], mailoutbox: list, change: dict
) -> None:
    event = make_event(**change)
    response = start(client, event, "lea@example.org")
    assert response.status_code == 302
    assert mailoutbox == []
    assert not PendingRSVP.objects.exists()


def test_rsvps_closing_between_the_steps_still_log_in_and_say_why(
    client: Client, make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    start(client, event, "lea@example.org")
    event.cancel("Die Kneipe hat zu.")
    response = client.post(code_url(event), {"code": code_in(mailoutbox[0])})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert not RSVP.objects.exists()
    html = client.get(event.get_absolute_url()).content.decode()
    feedback = re.search(r'<p class="[^"]*rsvp-feedback"[^>]*>(.*?)</p>', html).group(1)
    assert feedback == "This Stammtisch has been cancelled."


def test_drafts_and_unknown_events_are_404(
    client: Client, make_event: Callable[..., Any]
) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    assert start(client, draft, "lea@example.org").status_code == 404
    assert client.get(code_url(draft)).status_code == 404


def test_an_inactive_account_is_turned_away_without_an_rsvp(
    client: Client, make_event: Callable[..., Any], member: User, mailoutbox: list
) -> None:
    User.objects.filter(pk=member.pk).update(is_active=False)
    event = make_event()
    start(client, event, member.email)
    client.post(code_url(event), {"code": code_in(mailoutbox[0])})
    assert "_auth_user_id" not in client.session
    assert not RSVP.objects.exists()


def test_the_code_mail_speaks_the_visitors_language(
    make_event: Callable[..., Any], mailoutbox: list
) -> None:
    event = make_event()
    start(Client(), event, "lea@example.org", **{"accept-language": "de"})
    (message,) = mailoutbox
    assert message.subject.startswith("[#SoMeH] Dein Code für ")
    assert "Code und Link funktionieren einmal" in message.body


def test_the_code_page_costs_the_same_queries_with_more_people_going(
    client: Client,
    make_event: Callable[..., Any],
    mailoutbox: list,
    django_assert_max_num_queries: Any,
) -> None:
    event = make_event(capacity=None)
    event.rsvp(make_user("first@example.org", name="First"))
    start(client, event, "lea@example.org")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(code_url(event)).status_code == 200
        return len(captured)

    few = queries()
    for i in range(12):
        event.rsvp(make_user(f"guest{i}@example.org", name=f"Guest {i}"))
    assert queries() == few
    with django_assert_max_num_queries(12):
        client.get(code_url(event))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres")
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_are_all_counted_and_a_pending_rsvp_is_used_once(
    make_event: Callable[..., Any],
) -> None:
    event = make_event()
    pending = PendingRSVP.start(event, "lea@example.org")
    right, tries = pending.code, 20
    results: list[bool] = []
    barrier = threading.Barrier(tries)

    def guess(code: str) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(PendingRSVP.objects.get(pk=pending.pk).check_code(code))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=guess, args=(wrong(right),)) for _ in range(tries)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [False] * tries
    # Only MAX_CODE_ATTEMPTS guesses were compared; then it was dead for good.
    assert PendingRSVP.objects.get(pk=pending.pk).code_attempts == MAX_CODE_ATTEMPTS
    assert not PendingRSVP.objects.get(pk=pending.pk).check_code(right)

    fresh = PendingRSVP.start(event, "max@example.org")
    accepted: list[Any] = []
    barrier = threading.Barrier(8)

    def accept() -> None:
        try:
            barrier.wait(timeout=30)
            accepted.append(PendingRSVP.objects.get(pk=fresh.pk).accept())
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len([a for a in accepted if a is not None]) == 1
    assert User.objects.filter(email="max@example.org").count() == 1


def test_old_pending_rsvps_are_tidied_away(make_event: Callable[..., Any]) -> None:
    event = make_event()
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        PendingRSVP.start(event, "old@example.org")
    PendingRSVP.start(event, "new@example.org")
    assert list(PendingRSVP.objects.values_list("email", flat=True)) == [
        "new@example.org"
    ]


def test_only_hashes_are_stored(make_event: Callable[..., Any]) -> None:
    pending = PendingRSVP.start(make_event(), "lea@example.org")
    stored = PendingRSVP.objects.values().get(pk=pending.pk)
    assert pending.code not in str(stored)
    assert pending.code.replace("-", "") not in str(stored)
    assert pending.token not in str(stored)


def test_get_on_the_start_step_is_a_friendly_405(
    client: Client, make_event: Callable[..., Any]
) -> None:
    event = make_event()
    response = client.get(reverse("events:rsvp-by-email", args=[event.slug]))
    assert response.status_code == 405
    assert "This address belongs to a button" in response.content.decode()
    assert mail.outbox == []


def test_an_address_someone_else_only_added_makes_an_account_of_its_own(
    client: Client, make_event: Callable[..., Any], member: User, mailoutbox: list
) -> None:
    """Mia once typed lea's address into her account and never confirmed it: lea's
    code must not log lea into Mia's account."""
    EmailAddress.objects.create(user=member, email="lea@example.org", verified=False)
    event = make_event()
    start(client, event, "lea@example.org")
    client.post(code_url(event), {"code": code_in(mailoutbox[0])})
    lea = User.objects.get(email="lea@example.org")
    assert lea != member
    assert client.session["_auth_user_id"] == str(lea.pk)
    assert RSVP.objects.get(event=event).member == lea


def test_the_link_page_costs_a_few_queries(
    make_event: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    event = make_event()
    for i in range(12):
        event.rsvp(make_user(f"guest{i}@example.org", name=f"Guest {i}"))
    pending = PendingRSVP.start(event, "lea@example.org")
    url = reverse("events:rsvp-link", args=[event.slug, pending.token])
    with django_assert_max_num_queries(6):
        assert Client().get(url).status_code == 200


def test_a_leaving_member_takes_their_waiting_answers_along(
    make_event: Callable[..., Any], member: User
) -> None:
    PendingRSVP.start(make_event(), "MIA@example.org")
    member.delete_account()
    assert not PendingRSVP.objects.exists()
