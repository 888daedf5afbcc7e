"""DSGVO: "download my data" collects every app's part, and only the member's."""

import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from accounts.models import Profile, User

pytestmark = pytest.mark.django_db

URL = "/me/export/"


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_export_is_a_json_download_of_the_members_data(
    client: Client, member: User, stranger: User
) -> None:
    Profile.objects.filter(user=member).update(
        bio="Ich bin Mia.", challenge="Reels", website="https://mia.example"
    )
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="somehub-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    account = data["accounts"]["account"]
    assert account["email"] == "mia@example.org"
    assert account["email_addresses"] == [
        {"email": "mia@example.org", "verified": True, "primary": True}
    ]
    profile = data["accounts"]["profile"]
    assert profile["handle"] == "mia"
    assert profile["display_name"] == "Mia Muster"
    assert profile["bio"] == "Ich bin Mia."
    assert profile["website"] == "https://mia.example"
    body = response.content.decode()
    assert stranger.email not in body
    assert "Sam Fremd" not in body


def test_export_collects_every_apps_part(
    client: Client, member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = apps.get_app_config("sessions")

    def export_member_data(user: Any) -> dict[str, Any]:
        return {"things": [user.email]}

    monkeypatch.setattr(config, "export_member_data", export_member_data, raising=False)
    client.force_login(member)
    data = json.loads(client.get(URL).content)
    assert data["sessions"] == {"things": ["mia@example.org"]}


def test_export_contains_the_members_rsvps_and_nobody_elses(
    client: Client, member: User, stranger: User, make_event: Any
) -> None:
    from events.models import RSVP

    mine = make_event(title="Mias Abend")
    theirs = make_event(title="Sams Abend")
    RSVP.objects.create(event=mine, member=member, status="going")
    RSVP.objects.create(event=theirs, member=stranger, status="going")
    client.force_login(member)
    body = client.get(URL).content.decode()
    assert "Mias Abend" in body
    assert "Sams Abend" not in body


def test_export_is_read_only(client: Client, member: User) -> None:
    client.force_login(member)
    assert client.post(URL).status_code == 405


def test_export_has_the_members_own_comment_reports_with_their_reasons(
    client: Client, member: User, stranger: User, organizer: User, make_event: Any
) -> None:
    from tests.events.recap_support import comment, make_recap, past_event

    recap = make_recap(past_event(make_event))
    theirs = comment(recap, stranger, "Kauft alle meinen Kurs!")
    theirs.report(member, "Werbung, kein Beitrag")
    theirs.report(organizer, "Das sieht die Orga auch so")
    client.force_login(member)
    data = json.loads(client.get(URL).content)
    (report,) = data["events"]["comment_reports"]
    assert report["reason"] == "Werbung, kein Beitrag"
    assert report["recap"] == recap.title
    assert report["comment_url"].startswith("http")
    assert report["comment_url"].endswith(f"#comment-{theirs.pk}")
    assert report["resolved"] is None
    assert "Das sieht die Orga auch so" not in client.get(URL).content.decode()


def test_export_gives_the_photo_as_a_full_address(
    client: Client, member: User, settings: Any
) -> None:
    from PIL import Image

    profile = Profile.objects.get(user=member)
    profile.replace_photo(Image.new("RGB", (300, 300), "red"))
    client.force_login(member)
    data = json.loads(client.get(URL).content)["accounts"]["profile"]
    assert data["photo"] == settings.SITE_URL + profile.photo.url
    assert data["photo_thumbnail"] == settings.SITE_URL + profile.photo_thumb.url
