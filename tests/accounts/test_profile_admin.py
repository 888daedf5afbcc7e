"""The Orga-Team edits profiles in the admin, but cannot move one onto another
account (a superuser's, say): the profile's account is not a field they can post."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from tests.events.orga_support import make_orga, make_superuser

pytestmark = pytest.mark.django_db


def test_the_account_of_a_profile_cannot_be_changed_in_the_admin(member) -> None:
    orga = make_orga()
    root = make_superuser()
    Profile.objects.filter(user=root).delete()  # an account without a profile
    client = Client()
    client.force_login(orga)
    profile = member.profile
    url = reverse("admin:accounts_profile_change", args=[profile.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="user"' not in page.content.decode()

    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") or "" for name in form.fields}
    data.update(user=str(root.pk), display_name="Mia M.", handle=profile.handle)
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    profile.refresh_from_db()
    assert profile.user_id == member.pk
    assert not Profile.objects.filter(user=root).exists()


def test_profiles_are_not_added_in_the_admin(member) -> None:
    client = Client()
    client.force_login(make_orga())
    assert client.get(reverse("admin:accounts_profile_add")).status_code == 403
