"""The "my account" area and the permission backend behind the visibility checks."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/me/account/"


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={URL}"


def test_account_area_links_everything(client: Client, member: User) -> None:
    client.force_login(member)
    html = client.get(URL).content.decode()
    assert "mia@example.org" in html
    for name in [
        "account_email",
        "account_change_password",
        "accounts:export",
        "accounts:delete",
        "accounts:edit-profile",
    ]:
        assert reverse(name) in html, name
    assert reverse("accounts:profile", args=["mia"]) in html


def test_member_without_password_is_offered_to_set_one(client: Client) -> None:
    user = make_user("code@example.org")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    assert reverse("account_set_password") in client.get(URL).content.decode()


def test_account_area_is_read_only(client: Client, member: User) -> None:
    client.force_login(member)
    assert client.post(URL).status_code == 405


def test_account_area_query_budget(
    client: Client, member: User, django_assert_max_num_queries: Any
) -> None:
    client.force_login(member)
    with django_assert_max_num_queries(5):
        assert client.get(URL).status_code == 200


def test_a_permission_check_costs_one_query(
    organizer: User, django_assert_num_queries: Any
) -> None:
    fresh = User.objects.get(pk=organizer.pk)
    with django_assert_num_queries(1):
        assert fresh.has_perm("accounts.view_hidden_profile")
        assert fresh.has_perm("events.change_event")
        assert not fresh.has_perm("auth.delete_group")


def test_group_permissions_count_too(member: User) -> None:
    from django.contrib.auth.models import Group, Permission

    team = Group.objects.create(name="Door helpers")
    team.permissions.add(Permission.objects.get(codename="view_hidden_profile"))
    member.groups.add(team)
    assert User.objects.get(pk=member.pk).has_perm("accounts.view_hidden_profile")
    assert not User.objects.get(pk=member.pk).has_perm("accounts.delete_profile")


def test_inactive_members_have_no_permissions(organizer: User) -> None:
    User.objects.filter(pk=organizer.pk).update(is_active=False)
    assert not User.objects.get(pk=organizer.pk).has_perm(
        "accounts.view_hidden_profile"
    )
