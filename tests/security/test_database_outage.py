"""While the database is down or too slow, pages answer 503 in the site's layout,
and they work again by themselves when it is back."""

from html.parser import HTMLParser

import psycopg
import pytest
from django.db import OperationalError, connections
from django.test import Client, RequestFactory
from django.utils import translation

from core.health import server_error
from events.models import RSVP
from tests.security.outage import database_unreachable

pytestmark = pytest.mark.django_db(transaction=True)


class _Outline(HTMLParser):
    """The landmarks and the heading of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self._in_h1 = tag == "h1" or self._in_h1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def assert_friendly_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    page = outline(html)
    # The site's layout: header, navigation, main, footer, one heading.
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in page.tags
    assert page.tags.count("h1") == 1
    assert page.h1.strip()
    assert "Traceback" not in html and "psycopg" not in html.lower()
    assert "OperationalError" not in html


def test_pages_answer_503_while_the_database_is_down_and_recover(
    client: Client, make_event
) -> None:
    event = make_event()
    pages = ["/", "/events/", event.get_absolute_url(), "/recaps/", "/impulse/"]
    with database_unreachable():
        for path in pages:
            assert_friendly_503(client.get(path))
    for path in pages:
        assert client.get(path).status_code == 200, path


def test_logged_in_members_get_the_503_page_in_the_logged_out_layout(
    client: Client, member, make_event
) -> None:
    event = make_event()
    client.force_login(member)
    with database_unreachable():
        response = client.get(event.get_absolute_url())
    assert_friendly_503(response)
    # Back again: the member is still logged in.
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    assert response.context["user"] == member


def test_an_rsvp_sent_during_the_outage_gets_503_and_works_afterwards(
    client: Client, member, make_event
) -> None:
    event = make_event()
    client.force_login(member)
    url = f"/events/{event.slug}/rsvp/"
    with database_unreachable():
        assert_friendly_503(client.post(url, {"answer": "going"}))
    assert not RSVP.objects.filter(member=member).exists()
    response = client.post(url, {"answer": "going"})
    assert response.status_code == 302
    assert RSVP.objects.get(member=member, event=event).is_going


def test_the_503_page_is_translated(client: Client) -> None:
    with database_unreachable():
        german = client.get("/", headers={"accept-language": "de"})
        english = client.get("/", headers={"accept-language": "en"})
    assert_friendly_503(german)
    assert_friendly_503(english)
    assert '<html lang="de">' in german.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "Datenschutz" in german.content.decode()
    assert "Privacy" in english.content.decode()


def test_a_query_that_times_out_gives_503_and_the_next_request_works(
    client: Client, make_event
) -> None:
    make_event()
    connection = connections["default"]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        # What DATABASE_STATEMENT_TIMEOUT sets for every connection, made short.
        cursor.execute("SET statement_timeout = 300")
    try:
        settings = connection.settings_dict
        locker = psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            dbname=settings["NAME"],
        )
        try:
            locker.execute("BEGIN")
            locker.execute("LOCK TABLE events_event IN ACCESS EXCLUSIVE MODE")
            assert_friendly_503(client.get("/"))
        finally:
            locker.rollback()
            locker.close()
        assert client.get("/").status_code == 200
    finally:
        connection.close()


def test_a_database_error_outside_a_view_gets_the_503_page_too() -> None:
    """handler500 turns an outage raised by a middleware into the 503 page."""
    request = RequestFactory().get("/")
    with translation.override("en"):
        try:
            raise OperationalError("connection refused")
        except OperationalError:
            response = server_error(request)
        assert_friendly_503(response)
        try:
            raise ValueError("a bug")
        except ValueError:
            assert server_error(request).status_code == 500


def test_try_again_reloads_the_page_and_a_failed_form_goes_home(
    client: Client, member, make_event
) -> None:
    event = make_event()
    client.force_login(member)
    with database_unreachable():
        page = client.get(event.get_absolute_url() + "?x=1")
        form = client.post(f"/events/{event.slug}/rsvp/", {"answer": "going"})
    assert (
        f'button-primary" href="{event.get_absolute_url()}?x=1"'
        in page.content.decode()
    )
    assert 'button-primary" href="/"' in form.content.decode()
