"""A GET on an address that only takes POST (a button's address, opened in a
browser) gives a page that explains and leads back: every such URL of the site."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.test_csrf import all_urls, view_name

pytestmark = pytest.mark.django_db


def test_every_post_only_url_explains_itself_on_get(member: Any) -> None:
    visitor, logged_in = Client(), Client()
    logged_in.force_login(member)
    checked = []
    for path, pattern in all_urls():
        if view_name(pattern).startswith("django.contrib.admin"):
            continue  # the admin's own pages
        for client in (visitor, logged_in):
            response = client.get(path, headers={"accept-language": "en"})
            if response.status_code != 405:
                continue
            html = response.content.decode()
            assert 'class="error-page"' in html, path
            assert "This address belongs to a button" in html, path
            assert "Back to the page" in html, path
            assert "POST" in response["Allow"], path
            checked.append(path)
    assert len(set(checked)) >= 15


@pytest.mark.parametrize(
    ("path", "back"),
    [
        ("/events/a-date/rsvp/", "/events/a-date/"),
        ("/recaps/a-recap/comments/", "/recaps/a-recap/"),
        ("/impulse/wishes/3/vote/", "/impulse/wishes/3/"),
        ("/me/events/calendar-link/", "/me/events/"),
    ],
)
def test_the_page_leads_back_to_the_page_with_the_button(
    client: Client, member: Any, path: str, back: str
) -> None:
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 405
    assert f'href="{back}"' in response.content.decode()


def test_in_german_too(client: Client) -> None:
    response = client.get("/events/a-date/rsvp/", headers={"accept-language": "de"})
    html = response.content.decode()
    assert "Diese Adresse gehört zu einem Knopf" in html
    assert "Zurück zur Seite" in html
    assert f'href="{reverse("events:home")}"' in html


def test_other_methods_and_non_browser_405s_are_left_alone(client: Client) -> None:
    response = client.put("/events/a-date/rsvp/")
    assert response.status_code == 405
    assert response.content == b""
