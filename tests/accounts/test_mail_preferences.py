"""Which mails a member gets: a switch per kind, essential mails listed with the
reason, nothing on in advance; one-click unsubscribe from a mail, without login."""

from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from accounts.models import MailTopic, Profile, User
from accounts.unsubscribe import unsubscribe_token, unsubscribe_url
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = reverse("accounts:mail-preferences")


def choices(user: User) -> dict[str, bool]:
    """The member's choices among the kinds offered to them."""
    profile = Profile.objects.select_related("user").get(user=user)
    return {
        topic.value: profile.wants(topic)
        for topic in MailTopic.offered_to(profile.user)
    }


def test_a_new_member_gets_nothing_they_did_not_choose(db: None) -> None:
    user, _ = User.objects.for_confirmed_address("neu@example.org", name="Neu")
    assert not any(choices(user).values())


def test_page_lists_each_kind_with_a_switch_and_the_essential_ones(
    client: Client, member: User
) -> None:
    client.force_login(member)
    response = client.get(URL, headers={"accept-language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    for topic in MailTopic.offered_to(member):
        assert f'name="{topic.field}"' in html
        assert str(topic.label) in html
    # The Orga-Team's own kind is for them only.
    assert 'name="notify_orga_tasks"' not in html
    assert html.count('type="checkbox"') == len(MailTopic) - 1
    assert "checked" not in html  # nothing on in advance
    assert "Always sent" in html and "Sign-in codes" in html
    assert "without them you cannot log in" in html


def test_saving_turns_on_exactly_what_was_ticked(client: Client, member: User) -> None:
    client.force_login(member)
    response = client.post(URL, {"notify_announcements": "on", "notify_replies": "on"})
    assert response.status_code == 302
    assert choices(member) == {
        "announcements": True,
        "reminders": False,
        "replies": True,
        "orga_messages": False,
    }
    html = client.get(URL).content.decode()
    assert html.count("checked") == 2


def test_page_needs_a_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_page_is_german_first(client: Client, member: User) -> None:
    client.force_login(member)
    html = client.get(URL, headers={"accept-language": "de"}).content.decode()
    assert "Ankündigungen neuer Termine" in html


# One-click unsubscribe -------------------------------------------------------------


def one_click(client: Client, url: str) -> Any:
    """What a mail program sends (RFC 8058): a form POST, no cookies, no token."""
    return client.post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


@pytest.fixture
def subscribed(member: User) -> User:
    Profile.objects.filter(user=member).update(
        **{topic.field: True for topic in MailTopic}
    )
    return member


def test_one_click_post_without_cookies_turns_off_that_kind_only(
    subscribed: User,
) -> None:
    client = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(subscribed, MailTopic.ANNOUNCEMENTS)
    response = client.post(
        url.removeprefix("http://127.0.0.1:8000"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert choices(subscribed) == {
        "announcements": False,
        "reminders": True,
        "replies": True,
        "orga_messages": True,
    }
    assert not client.cookies.get("sessionid")


def test_a_get_changes_nothing_and_offers_a_button(
    client: Client, subscribed: User
) -> None:
    url = reverse(
        "accounts:unsubscribe",
        args=[unsubscribe_token(subscribed, MailTopic.REMINDERS)],
    )
    response = client.get(url, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert choices(subscribed)["reminders"] is True
    html = response.content.decode()
    # In Mia's language (German), whatever the browser says: she is not logged in.
    assert 'method="post"' in html and "Diese Mails abbestellen" in html
    assert response["Cache-Control"] == "private, no-store"


def test_landing_page_says_what_changed_in_the_members_language_and_undoes_it(
    subscribed: User,
) -> None:
    Profile.objects.filter(user=subscribed).update(preferred_language="en")
    client = Client()
    url = reverse(
        "accounts:unsubscribe",
        args=[unsubscribe_token(subscribed, MailTopic.ORGA_MESSAGES)],
    )
    html = client.post(url, {"subscribe": "0"}).content.decode()
    assert "Done: no more of these mails" in html
    assert "Messages from the Orga-Team" in html and "mia@example.org" in html
    assert choices(subscribed)["orga_messages"] is False
    html = client.post(url, {"subscribe": "1"}).content.decode()
    assert "Turned back on" in html
    assert choices(subscribed)["orga_messages"] is True


@pytest.mark.parametrize(
    "token",
    ["nonsense", "a:b:c", unsubscribe_token.__name__],
)
def test_broken_or_forged_links_are_404_and_change_nothing(
    client: Client, subscribed: User, token: str
) -> None:
    url = reverse("accounts:unsubscribe", args=[token])
    assert one_click(client, url).status_code == 404
    assert all(choices(subscribed).values())


def test_a_token_for_one_member_never_touches_another(subscribed: User) -> None:
    other = make_user("otto@example.org", name="Otto")
    Profile.objects.filter(user=other).update(notify_announcements=True)
    url = reverse(
        "accounts:unsubscribe",
        args=[unsubscribe_token(subscribed, MailTopic.ANNOUNCEMENTS)],
    )
    one_click(Client(), url)
    assert choices(other)["announcements"] is True


def test_token_of_a_deleted_member_is_404(client: Client, subscribed: User) -> None:
    url = reverse(
        "accounts:unsubscribe",
        args=[unsubscribe_token(subscribed, MailTopic.REPLIES)],
    )
    subscribed.delete()
    assert client.get(url).status_code == 404


def test_unsubscribe_answers_with_few_queries(
    subscribed: User, django_assert_max_num_queries: Any
) -> None:
    url = reverse(
        "accounts:unsubscribe",
        args=[unsubscribe_token(subscribed, MailTopic.REPLIES)],
    )
    client = Client()
    with django_assert_max_num_queries(4):
        one_click(client, url)


# Existing members keep what they had ------------------------------------------------


def test_the_data_migration_keeps_what_members_had(db: None) -> None:
    """accounts/0008: reminders and Orga-Team messages stay on (members always got
    them); a ticked "new dates" box stays only where its member saved the profile
    after signing up (else it is the old default, not a choice)."""
    from datetime import timedelta
    from importlib import import_module

    from django.apps import apps as current_apps
    from django.utils import timezone

    migration = import_module("accounts.migrations.0008_keep_members_mail_choices")
    chose = make_user("chose@example.org", name="Chose")
    default = make_user("default@example.org", name="Default")
    unticked = make_user("unticked@example.org", name="Unticked")
    now = timezone.now()
    Profile.objects.filter(user=chose).update(
        notify_announcements=True,
        notify_replies=False,
        created_at=now - timedelta(days=30),
        updated_at=now - timedelta(days=2),
    )
    Profile.objects.filter(user=default).update(
        notify_announcements=True, notify_replies=True, updated_at=F("created_at")
    )
    Profile.objects.filter(user=unticked).update(notify_announcements=False)
    migration.keep_choices(current_apps, None)
    assert choices(chose) == {
        "announcements": True,
        "reminders": True,
        "replies": False,
        "orga_messages": True,
    }
    assert choices(default) == {
        "announcements": False,
        "reminders": True,
        "replies": True,
        "orga_messages": True,
    }
    assert choices(unticked)["announcements"] is False
