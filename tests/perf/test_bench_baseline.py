"""The benchmark's baseline views exist only when the benchmark asks for them."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/bench/hello/", "/bench/fortunes/"])
def test_baseline_is_not_on_the_site_by_default(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.urls("scripts.benchsite.urls")
def test_hello_world_answers_without_a_query(
    client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/bench/hello/")
    assert response.content == b"Hello, World!"


@pytest.mark.urls("scripts.benchsite.urls")
def test_fortunes_is_one_query_and_escapes(
    client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(1):
        response = client.get("/bench/fortunes/")
    html = response.content.decode()
    assert "&lt;script&gt;alert(" in html
    assert "<script>" not in html
    assert html.count("<tr>") == 14  # header, 12 rows, the one added per request


@pytest.mark.urls("scripts.benchsite.urls")
def test_members_floor_reads_session_and_member_only(
    client: Client, member, django_assert_num_queries
) -> None:
    client.force_login(member)
    with django_assert_num_queries(2):  # the session row, the member with all else
        response = client.get("/bench/member/")
    assert response.content.decode() == str(member)


@pytest.mark.urls("scripts.benchsite.urls")
def test_members_layout_is_the_sites_layout_around_nothing(
    client: Client, member
) -> None:
    client.force_login(member)
    html = client.get("/bench/member-layout/").content.decode()
    assert 'class="user-menu"' in html
    assert '<main id="main" class="wrap" tabindex="-1">' in html


@pytest.mark.urls("scripts.benchsite.urls")
@pytest.mark.parametrize("path", ["/bench/member/", "/bench/member-layout/"])
def test_members_floor_asks_a_visitor_to_log_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
