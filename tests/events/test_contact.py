"""The contact form to the Orga-Team: a public page, protected without a CSRF
token, rate-limited, with a honeypot; the mail goes to the organizers with
Reply-To the sender, from the task worker."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from events.tasks import send_contact_message
from tests.conftest import make_user
from tests.events.orga_support import make_orga

pytestmark = pytest.mark.django_db

SAME_SITE = {"sec-fetch-site": "same-origin", "accept-language": "en"}
GOOD = {
    "name": "Vera Besucherin",
    "email": "vera@example.org",
    "message": "Hallo! Darf ich im März einen Impuls zu TikTok geben?",
}


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organizers(db):
    olga = make_orga("olga@example.org", "Olga Orga")
    otto = make_orga("otto@example.org", "Otto Orga")
    make_user("staff@example.org", is_staff=True)
    make_user("member@example.org")  # not an organizer
    make_user("gone@example.org", is_active=False, is_staff=True)
    return [olga, otto]


def send(client: Client, data: dict, **headers: str):
    return client.post(
        reverse("events:contact"), data, headers={**SAME_SITE, **headers}
    )


def test_footer_links_the_contact_page(client) -> None:
    home = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert f'href="{reverse("events:contact")}"' in home
    page = client.get(reverse("events:contact"), headers={"accept-language": "en"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="name"' in html and 'name="email"' in html and 'name="message"' in html
    assert 'class="hp-field"' in html and "csrfmiddlewaretoken" not in html


def test_message_goes_to_the_organizers_with_reply_to_the_sender(
    client, organizers, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("events:contact-thanks")
    # One mail per organizer: nobody sees the others' addresses.
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "olga@example.org",
        "otto@example.org",
        "staff@example.org",
    ]
    message = mail.outbox[0]
    assert message.reply_to == ["vera@example.org"]
    assert "Vera Besucherin" in message.subject
    assert GOOD["message"] in message.body
    thanks = client.get(response["Location"], headers={"accept-language": "en"})
    assert "Thank you for your message!" in thanks.content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({**GOOD, "email": "kein-at"}, "This does not look like an e-mail address."),
        ({**GOOD, "email": ""}, "Please enter your e-mail address"),
        ({**GOOD, "name": "   "}, "Please tell us your name."),
        ({**GOOD, "message": "  \n "}, "Please write your message."),
        ({**GOOD, "message": "x" * 5001}, "at most 5000 characters"),
        ({**GOOD, "email": "a@b.org\r\nBcc: x@evil.org"}, "e-mail address"),
        ({}, "Please tell us your name."),
    ],
)
def test_bad_input_keeps_the_text_and_sends_nothing(
    client, organizers, data, error, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    if data.get("message", "").strip():
        assert data["message"][:50] in html
    assert not mail.outbox


def test_odd_characters_in_name_and_message_never_break_the_mail(
    client, organizers, django_capture_on_commit_callbacks
) -> None:
    data = {
        **GOOD,
        "name": "Eve\u2028Bcc: x@evil.org",
        "message": "Zeile 1\r\nZeile 2 \x07\x1b <script>alert(1)</script> 👋",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, data)
    assert response.status_code == 302
    message = mail.outbox[0]
    assert "\n" not in message.subject and "\u2028" not in message.subject
    assert "\x07" not in message.body and "👋" in message.body
    assert "Zeile 1\nZeile 2" in message.body
    message.message().as_bytes()  # the mail can be built and sent
    # A null character is refused in words, like any other bad input.
    assert send(client, {**GOOD, "message": "a\x00b"}).status_code == 400


def test_honeypot_looks_like_success_and_sends_nothing(
    client, organizers, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not mail.outbox


def test_post_from_another_site_is_refused(client, organizers) -> None:
    response = client.post(
        reverse("events:contact"),
        GOOD,
        headers={"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
    )
    assert response.status_code == 403
    no_headers = client.post(reverse("events:contact"), GOOD)
    assert no_headers.status_code == 403
    assert not mail.outbox


def test_too_many_messages_are_refused_with_the_text_kept(
    client, organizers, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert send(client, GOOD).status_code == 302
        response = send(client, GOOD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait an hour" in html and GOOD["message"] in html
    assert len(mail.outbox) == 3 * 3  # three messages, to three organizers each


def test_without_organizers_nothing_breaks(
    client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, GOOD)
    assert response.status_code == 302
    assert not mail.outbox
    assert send_contact_message.call("A", "a@example.org", "Hi", "de") == 0


def test_the_page_is_served_from_the_cache_for_visitors(client) -> None:
    first = client.get(reverse("events:contact"))
    second = client.get(reverse("events:contact"))
    assert first.content == second.content
    assert "Set-Cookie" not in second.headers
