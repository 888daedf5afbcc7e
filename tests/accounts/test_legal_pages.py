"""Impressum and privacy policy: seeded in German, edited in the admin."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import LegalPage, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("legal_pages")]


def test_imprint_page_shows_the_seeded_text(client: Client) -> None:
    response = client.get("/impressum/")
    assert response.status_code == 200
    assert "Angaben gemäß § 5 DDG" in response.content.decode()


def test_privacy_page_says_only_essential_cookies_and_no_third_parties(
    client: Client,
) -> None:
    html = client.get("/datenschutz/").content.decode()
    assert "Datenschutzerklärung" in html
    for cookie in ("sessionid", "csrftoken", "django_language"):
        assert f"<code>{cookie}</code>" in html
    assert "ausschließlich technisch notwendige Cookies" in html
    assert "kein Cookie-Banner" in html
    assert "Keine Drittanbieter" in html
    assert "nichts von fremden Servern" in html


def test_english_readers_are_told_the_text_is_german(client: Client) -> None:
    html = client.get("/datenschutz/").content.decode()
    assert "only available in German" in html
    assert '<div lang="de">' in html


def test_organizer_edits_the_text_in_the_admin(client: Client, organizer: User) -> None:
    page = LegalPage.objects.get(kind="imprint")
    client.force_login(organizer)
    url = reverse("admin:accounts_legalpage_change", args=[page.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "imprint", "title": "Impressum", "body": "Olga Orga, Hannover"}
    )
    assert response.status_code == 302
    assert "Olga Orga, Hannover" in client.get("/impressum/").content.decode()


def test_legal_pages_cannot_be_deleted_or_doubled(organizer: User, rf: Any) -> None:
    from django.contrib.admin.sites import site

    request = rf.get("/")
    request.user = organizer
    model_admin = site.get_model_admin(LegalPage)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_seeding_again_keeps_edited_text() -> None:
    import importlib

    from django.apps import apps

    LegalPage.objects.filter(kind="privacy").update(body="Eigener Text")
    seed = importlib.import_module("accounts.migrations.0003_seed_legal_pages")
    seed.seed_legal_pages(apps, None)
    assert LegalPage.objects.get(kind="privacy").body == "Eigener Text"
    assert LegalPage.objects.count() == 2


def test_markdown_in_legal_pages_cannot_inject_html(client: Client) -> None:
    page = LegalPage.objects.get(kind="imprint")
    page.body = 'Hallo **fett** <script>alert(1)</script> <a href="javascript:x">x</a>'
    page.save()
    html = client.get("/impressum/").content.decode()
    assert "<strong>fett</strong>" in html
    assert "<script>alert(1)" not in html
    assert "javascript:x" not in html


def test_an_edited_text_is_shown_as_saved(client: Client) -> None:
    page = LegalPage.objects.get(kind="privacy")
    page.title = "Datenschutz"
    page.body = "## Neu\n\nAlles *anders*."
    page.save(update_fields=["body"])
    html = client.get("/datenschutz/").content.decode()
    assert "<h2>Neu</h2>" in html
    assert "<em>anders</em>" in html


def test_legal_pages_query_count(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(1):
        assert client.get("/datenschutz/").status_code == 200


def test_pages_written_before_the_html_was_stored_are_rendered_once() -> None:
    import importlib

    from django.apps import apps

    LegalPage.objects.update(rendered_body="")
    fill = importlib.import_module("accounts.migrations.0010_stored_legal_page_html")
    fill.fill(apps, None)
    page = LegalPage.objects.get(kind="imprint")
    assert "Angaben gemäß § 5 DDG" in page.rendered_body
    assert page.body_html == page.rendered_body
