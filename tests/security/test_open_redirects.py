"""Open redirects: no `next`, Referer or form field sends anyone to another site."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from impulses.models import Wish

pytestmark = pytest.mark.django_db

EVIL = [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/login",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "http:evil.example",
    "https:/evil.example",
    "https://testserver@evil.example",
    "https://evil.example\\@testserver",
    "https://testserver.evil.example/",
    "//evil.example/%2F..",
    "%2F%2Fevil.example",
]


def assert_stays_here(response, url: str) -> None:
    """A 302 goes to a path on this site; anything else is not a redirect at all."""
    assert response.status_code in (200, 302, 400), (url, response.status_code)
    if response.status_code != 302:
        return
    location = response["Location"]
    # Browsers drop tabs and newlines and treat a backslash like a slash.
    cleaned = "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/")
    parts = urlsplit(cleaned)
    assert parts.scheme in ("", "http", "https"), (url, location)
    assert parts.netloc in ("", "testserver"), (url, location)
    # A relative path ("%2F%2Fevil.example") stays on this site too.
    assert not cleaned.lstrip().startswith("//"), (url, location)


@pytest.mark.parametrize("evil", EVIL)
def test_login_sends_back_only_to_this_site(client: Client, member, evil: str) -> None:
    login = reverse("account_login")
    response = client.post(
        login, {"login": "mia@example.org", "password": "correct horse", "next": evil}
    )
    assert_stays_here(response, evil)
    assert response.status_code == 302  # logged in all the same
    response = client.get(login + "?next=" + evil)  # already logged in
    assert_stays_here(response, evil)


@pytest.mark.parametrize("evil", EVIL)
def test_logout_sends_back_only_to_this_site(client: Client, member, evil: str) -> None:
    client.force_login(member)
    response = client.post(reverse("account_logout"), {"next": evil})
    assert_stays_here(response, evil)


@pytest.mark.parametrize("evil", EVIL)
def test_signup_sends_back_only_to_this_site(client: Client, evil: str) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": "neu@example.org", "password1": "", "password2": "", "next": evil},
    )
    assert_stays_here(response, evil)


@pytest.mark.parametrize("evil", EVIL)
def test_language_switch_sends_back_only_to_this_site(
    client: Client, evil: str
) -> None:
    url = reverse("set_language")
    here = {"origin": "http://testserver"}
    assert_stays_here(
        client.post(url, {"language": "en", "next": evil}, headers=here), evil
    )
    assert_stays_here(
        client.post(url, {"language": "en"}, headers={**here, "referer": evil}), evil
    )
    assert_stays_here(client.get(url + "?language=en&next=" + evil), evil)


@pytest.mark.parametrize("evil", EVIL)
def test_rsvp_and_votes_send_back_only_to_this_site(
    client: Client, member, make_event, evil: str
) -> None:
    event = make_event()
    client.force_login(member)
    response = client.post(
        reverse("events:rsvp", kwargs={"slug": event.slug}),
        {"answer": "going", "next": evil},
        headers={"referer": evil},
    )
    assert_stays_here(response, evil)
    assert response["Location"].startswith(event.get_absolute_url())
    wish = Wish.objects.create(title="Ein Wunsch")
    for name in ("impulses:wish-vote", "impulses:wish-unvote"):
        response = client.post(
            reverse(name, kwargs={"pk": wish.pk}),
            {"next": evil},
            headers={"referer": evil},
        )
        assert_stays_here(response, evil)


@pytest.mark.parametrize("evil", EVIL[:8])
def test_the_admin_login_sends_back_only_to_this_site(
    client: Client, organizer, evil: str
) -> None:
    response = client.post(
        reverse("admin:login") + "?next=" + evil,
        {"username": "orga@example.org", "password": "correct horse", "next": evil},
    )
    assert_stays_here(response, evil)


def test_a_visitor_sent_to_log_in_comes_back_to_a_local_page(client: Client) -> None:
    response = client.get(reverse("events:my-events"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=/me/")
