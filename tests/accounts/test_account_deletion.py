"""DSGVO: "delete my account" confirms, then leaves no rows and no files behind."""

import re
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Profile, User
from tests.accounts.conftest import image_bytes, stored_files

pytestmark = pytest.mark.django_db

URL = "/me/delete/"
CODE_URL = "/me/delete/code/"
# allauth's login code format: four letters, a dash, four letters.
CODE = re.compile(r"\b([B-Z]{4}-[B-Z]{4})\b")


def wrong_code(code: str) -> str:
    return "BBBB-BBBB" if code != "BBBB-BBBB" else "CCCC-CCCC"


@pytest.fixture
def logged_in(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


def give_photo(member: User, django_capture_on_commit_callbacks: Any) -> None:
    from somehub.lib.images import open_upload

    upload = SimpleUploadedFile("me.jpg", image_bytes(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        member.profile.replace_photo(open_upload(upload))


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_page_says_what_happens_to_rsvps_and_comments(logged_in: Client) -> None:
    html = logged_in.get(URL).content.decode()
    assert "Your RSVPs are deleted" in html
    assert "deleted member" in html
    assert 'name="password"' in html


def test_page_lists_what_other_apps_say(
    logged_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = apps.get_app_config("sessions")
    monkeypatch.setattr(
        config, "describe_member_deletion", lambda: "Your sessions end.", raising=False
    )
    assert b"Your sessions end." in logged_in.get(URL).content


def test_wrong_password_deletes_nothing(logged_in: Client, member: User) -> None:
    response = logged_in.post(URL, {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200
    assert b'id="id_password_error"' in response.content
    assert User.objects.filter(pk=member.pk).exists()


def test_the_confirmation_box_is_needed(logged_in: Client, member: User) -> None:
    response = logged_in.post(URL, {"password": "correct horse"})
    assert response.status_code == 200
    assert b'id="id_confirm_error"' in response.content
    assert User.objects.filter(pk=member.pk).exists()


def test_deletion_leaves_no_rows_and_no_files(
    logged_in: Client,
    member: User,
    stranger: User,
    make_event: Any,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from events.models import RSVP, Comment, Recap

    give_photo(member, django_capture_on_commit_callbacks)
    assert len(stored_files(media_root)) == 2
    event = make_event()
    RSVP.objects.create(event=event, member=member, status="going")
    RSVP.objects.create(event=event, member=stranger, status="going")
    recap = Recap.objects.create(event=event, title="Rückblick", slug="rueckblick")
    comment = Comment.objects.create(recap=recap, author=member, body="Toller Abend!")

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(URL, {"password": "correct horse", "confirm": "on"})

    assert response.status_code == 302
    assert response.url == reverse("events:home")
    assert not User.objects.filter(pk=member.pk).exists()
    assert not Profile.objects.filter(user_id=member.pk).exists()
    assert not EmailAddress.objects.filter(user_id=member.pk).exists()
    assert not RSVP.objects.filter(member_id=member.pk).exists()
    assert stored_files(media_root) == []
    # The comment stays, without its author ("deleted member").
    comment.refresh_from_db()
    assert comment.author is None
    # Everybody else is untouched, and the browser is logged out.
    assert RSVP.objects.filter(member=stranger).exists()
    assert User.objects.filter(pk=stranger.pk).exists()
    assert "_auth_user_id" not in logged_in.session
    assert logged_in.get("/me/account/").status_code == 302


def test_deletion_calls_every_apps_hook_first(
    logged_in: Client, member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    config = apps.get_app_config("sessions")

    def delete_member_data(user: Any) -> None:
        seen.append(User.objects.filter(pk=user.pk).exists())

    monkeypatch.setattr(config, "delete_member_data", delete_member_data, raising=False)
    logged_in.post(URL, {"password": "correct horse", "confirm": "on"})
    assert seen == [True]


@pytest.fixture
def passwordless(member: User) -> User:
    member.set_unusable_password()
    member.save()
    return member


def test_member_without_password_confirms_with_an_emailed_code(
    client: Client, passwordless: User, mailoutbox: list
) -> None:
    client.force_login(passwordless)
    page = client.get(URL).content.decode()
    assert 'name="password"' not in page
    assert f'action="{CODE_URL}"' in page

    response = client.post(CODE_URL)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [passwordless.email]
    assert message.alternatives[0][1] == "text/html"
    # The same format as the login codes.
    code = CODE.search(message.body).group(1)
    assert 'name="code"' in client.get(URL).content.decode()

    response = client.post(URL, {"code": wrong_code(code), "confirm": "on"})
    assert response.status_code == 200
    assert User.objects.filter(pk=passwordless.pk).exists()

    # Typed without the dash and in small letters, as people do on a phone.
    response = client.post(
        URL, {"code": code.replace("-", "").lower(), "confirm": "on"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=passwordless.pk).exists()


def test_code_is_sent_once_a_minute_at_most(
    client: Client, passwordless: User, mailoutbox: list
) -> None:
    client.force_login(passwordless)
    client.post(CODE_URL)
    client.post(CODE_URL)
    assert len(mailoutbox) == 1


def test_code_stops_working_after_too_many_wrong_tries(
    client: Client, passwordless: User, mailoutbox: list
) -> None:
    client.force_login(passwordless)
    client.post(CODE_URL)
    code = CODE.search(mailoutbox[0].body).group(1)
    for _ in range(5):
        client.post(URL, {"code": wrong_code(code), "confirm": "on"})
    client.post(URL, {"code": code, "confirm": "on"})
    assert User.objects.filter(pk=passwordless.pk).exists()


def test_code_request_needs_a_post(client: Client, passwordless: User) -> None:
    client.force_login(passwordless)
    assert client.get(CODE_URL).status_code == 405


def test_deleting_from_the_admin_removes_the_photo_files_too(
    member: User, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from django.contrib.admin.sites import site

    give_photo(member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        site.get_model_admin(User).delete_model(None, member)
    assert stored_files(media_root) == []
    assert not User.objects.filter(email="mia@example.org").exists()
