"""/healthz for load balancers: one database round trip, no cookies, no details."""

import pytest
from django.db import connections
from django.test import Client, override_settings

from tests.security.outage import database_unreachable


@pytest.mark.django_db
def test_healthz_answers_ok_with_one_query(
    client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_sets_no_cookie_and_reads_no_session(client: Client, member) -> None:
    client.force_login(member)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_only_answers_get_and_head(client: Client, method: str) -> None:
    response = getattr(client, method)("/healthz")
    assert response.status_code == 405
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz/?$"])
def test_healthz_is_exempt_from_the_https_redirect(client: Client) -> None:
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/").status_code == 200


def test_production_settings_exempt_healthz_from_the_https_redirect(settings) -> None:
    import re

    assert any(re.search(p, "healthz") for p in settings.SECURE_REDIRECT_EXEMPT)
    assert not any(re.search(p, "events/") for p in settings.SECURE_REDIRECT_EXEMPT)


@pytest.mark.django_db
def test_healthz_answers_a_load_balancer_calling_by_address(client: Client) -> None:
    """The Host is the server's address, not a listed name: still a plain answer."""
    response = client.get("/healthz", headers={"host": "10.1.2.3:8000"})
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_without_details_while_the_database_is_down(
    client: Client,
) -> None:
    with database_unreachable():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable\n"
    assert not response.cookies
    # Back by itself, no restart.
    assert client.get("/healthz").status_code == 200
    assert connections["default"].is_usable()


@pytest.mark.django_db
def test_the_error_pages_of_this_issue_run_no_query(
    client: Client, member, django_assert_num_queries
) -> None:
    """The 503 page must work without the database, and a bad URL costs nothing."""
    from django.test import RequestFactory

    from core.health import service_unavailable

    with django_assert_num_queries(0):
        assert service_unavailable(RequestFactory().get("/")).status_code == 503
    client.force_login(member)
    with django_assert_num_queries(0):
        assert client.get("/events/?page=%00").status_code == 400
