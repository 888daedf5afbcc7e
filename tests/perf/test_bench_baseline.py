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
