"""The imports in the admin: upload, read the dry run, confirm."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events.models import Event, ImportRun, Recap, Series
from tests.conftest import make_user
from tests.events.import_support import THEME_UNIT_TEST, wxr, wxr_item
from tests.events.test_import_ical import CALENDARS

pytestmark = pytest.mark.django_db

WORDPRESS = reverse("admin:events_importrun_wordpress")
CALENDAR = reverse("admin:events_importrun_calendar")


def upload(client, data: bytes, name: str = "export.xml", **fields):
    return client.post(WORDPRESS, {"export": SimpleUploadedFile(name, data), **fields})


@pytest.fixture
def staff_without_imports(db):
    user = make_user("helfer@example.org", name="Hel Fer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_recap", "change_recap"])
    )
    return user


def test_organizer_checks_reads_the_dry_run_and_confirms(client, organizer) -> None:
    client.force_login(organizer)
    page = client.get(WORDPRESS)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = upload(client, THEME_UNIT_TEST.read_bytes(), "theme.xml")
    assert response.status_code == 302
    run = ImportRun.objects.get()
    report = client.get(response["Location"]).content.decode()
    assert "Probelauf" in report or "Dry run" in report
    assert ">58<" in report  # recaps, new
    assert not Recap.objects.exists()

    confirm = reverse("admin:events_importrun_confirm", args=[run.pk])
    assert client.get(confirm).status_code == 405
    response = client.post(confirm)
    assert response.status_code == 302
    assert Recap.objects.count() == 58
    run.refresh_from_db()
    assert run.is_finished and bytes(run.data) == b""
    assert not run.result.dry_run
    # A second click imports nothing twice.
    client.post(confirm)
    assert Recap.objects.count() == 58
    page = client.get(response["Location"]).content.decode()
    assert "Import now" not in page and "Jetzt importieren" not in page


def test_a_file_that_is_no_export_shows_why_and_cannot_be_confirmed(
    client, organizer
) -> None:
    client.force_login(organizer)
    response = upload(client, b"<html>kein Export</html>", "export.html")
    run = ImportRun.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "errornote" in page
    assert reverse("admin:events_importrun_confirm", args=[run.pk]) not in page
    client.post(reverse("admin:events_importrun_confirm", args=[run.pk]))
    assert not Recap.objects.exists()


def test_missing_file_is_a_form_error(client, organizer) -> None:
    client.force_login(organizer)
    response = client.post(WORDPRESS, {"categories": "stammtisch"})
    assert response.status_code == 400
    assert not ImportRun.objects.exists()


def test_categories_and_pages_are_passed_on(client, organizer) -> None:
    client.force_login(organizer)
    data = wxr(
        wxr_item(
            1,
            "Stammtisch",
            "x",
            extra='<category domain="category" '
            'nicename="stammtisch"><![CDATA[Stammtisch]]></category>',
        ),
        wxr_item(2, "Urlaub", "y"),
        wxr_item(3, "Impressum", "z", kind="page"),
    )
    upload(client, data, categories="Stammtisch", pages="on")
    run = ImportRun.objects.get()
    client.post(reverse("admin:events_importrun_confirm", args=[run.pk]))
    assert set(Recap.objects.values_list("title", flat=True)) == {
        "Stammtisch",
        "Impressum",
    }


def test_unconfirmed_uploads_are_forgotten_after_a_day(client, organizer) -> None:
    client.force_login(organizer)
    upload(client, wxr(wxr_item(1, "Alt", "x")))
    ImportRun.objects.update(created_at=timezone.now() - timedelta(hours=25))
    upload(client, wxr(wxr_item(2, "Neu", "y")))
    assert list(ImportRun.objects.values_list("source_name", flat=True)) == [
        "export.xml"
    ]
    assert ImportRun.objects.get().created_at > timezone.now() - timedelta(hours=1)


def test_calendar_upload_with_series_and_window(client, organizer, venue) -> None:
    series = Series.objects.create(name="#SoMe", slug="some", default_venue=venue)
    client.force_login(organizer)
    assert client.get(CALENDAR).status_code == 200
    response = client.post(
        CALENDAR,
        {
            "file": SimpleUploadedFile(
                "kalender.ics", (CALENDARS / "nextcloud.ics").read_bytes()
            ),
            "series": series.pk,
            "since": "2026-12-01",
            "until": "2027-12-31",
            "publish": "on",
        },
    )
    assert response.status_code == 302
    assert not Event.objects.exists()
    run = ImportRun.objects.get()
    client.post(reverse("admin:events_importrun_confirm", args=[run.pk]))
    assert Event.objects.filter(series=series, status="published").count() == 5


@pytest.mark.parametrize(
    "fields",
    [
        {"since": "2027-01-01", "until": "2027-12-31"},  # neither file nor address
        {"url": "file:///etc/passwd", "since": "2027-01-01", "until": "2027-12-31"},
        {
            "url": "https://x.example/a.ics",
            "since": "2027-12-31",
            "until": "2027-01-01",
        },
    ],
)
def test_calendar_form_refuses_bad_input(client, organizer, fields) -> None:
    client.force_login(organizer)
    response = client.post(CALENDAR, fields)
    assert response.status_code == 400
    assert not ImportRun.objects.exists()


def test_calendar_address_that_cannot_be_fetched_is_a_form_error(
    client, organizer
) -> None:
    client.force_login(organizer)
    response = client.post(
        CALENDAR,
        {
            "url": "http://127.0.0.1:9/none.ics",
            "since": "2027-01-01",
            "until": "2027-02-01",
        },
    )
    assert response.status_code == 400
    assert not ImportRun.objects.exists()


def test_import_pages_are_for_the_orga_team_only(
    client, member, staff_without_imports, organizer
) -> None:
    client.force_login(organizer)
    upload(client, wxr(wxr_item(1, "Alt", "x")))
    run = ImportRun.objects.get()
    client.logout()
    urls = [
        WORDPRESS,
        CALENDAR,
        reverse("admin:events_importrun_report", args=[run.pk]),
    ]
    confirm = reverse("admin:events_importrun_confirm", args=[run.pk])
    for url in urls:
        assert client.get(url).status_code == 302  # to the login
    assert client.post(confirm).status_code == 302
    client.force_login(member)
    for url in urls:
        assert client.get(url).status_code == 302  # not staff: the admin's login
    client.force_login(staff_without_imports)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(confirm).status_code == 403
    assert not Recap.objects.exists()


def test_orga_team_sees_the_import_links_on_the_admin_index(client, organizer) -> None:
    client.force_login(organizer)
    page = client.get(reverse("admin:index")).content.decode()
    assert WORDPRESS in page and CALENDAR in page
