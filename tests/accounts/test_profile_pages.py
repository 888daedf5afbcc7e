"""Public profile pages and the member directory: visibility, filters, query counts."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Field, Profile, User, Visibility
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def viewer_client(kind: str, request: pytest.FixtureRequest) -> Client:
    client = Client(headers={"accept-language": "en"})
    if kind != "anonymous":
        client.force_login(request.getfixturevalue(kind))
    return client


def make_subject(visibility: str, **extra: Any) -> User:
    user = make_user("sub@example.org", name="Suse Subjekt", handle="suse")
    Profile.objects.filter(user=user).update(visibility=visibility, **extra)
    return user


def make_members(count: int, start: int = 0) -> None:
    """Many confirmed members at once, with photos' worth of profile data."""
    users = User.objects.bulk_create(
        User(email=f"m{n}@example.org", password="!")
        for n in range(start, start + count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    Profile.objects.bulk_create(
        Profile(
            user=u,
            handle=f"m{u.pk}",
            display_name=f"Member {u.pk}",
            field=Field.RECRUITING,
            organisation="Firma",
            role="Rolle",
            visibility=Visibility.MEMBERS,
        )
        for u in users
    )


VISIBILITY_MATRIX = [
    # (viewer, visibility, may see)
    ("anonymous", Visibility.PUBLIC, True),
    ("anonymous", Visibility.MEMBERS, False),
    ("anonymous", Visibility.ORGANIZERS, False),
    ("member", Visibility.PUBLIC, True),
    ("member", Visibility.MEMBERS, True),
    ("member", Visibility.ORGANIZERS, False),
    ("organizer", Visibility.PUBLIC, True),
    ("organizer", Visibility.MEMBERS, True),
    ("organizer", Visibility.ORGANIZERS, True),
]


@pytest.mark.parametrize(("viewer", "visibility", "may_see"), VISIBILITY_MATRIX)
def test_profile_page_honours_visibility(
    request: pytest.FixtureRequest, viewer: str, visibility: str, may_see: bool
) -> None:
    make_subject(visibility)
    response = viewer_client(viewer, request).get("/members/suse/")
    assert response.status_code == (200 if may_see else 404)
    assert (b"Suse Subjekt" in response.content) is may_see


@pytest.mark.parametrize(("viewer", "visibility", "may_see"), VISIBILITY_MATRIX)
def test_directory_honours_visibility(
    request: pytest.FixtureRequest, viewer: str, visibility: str, may_see: bool
) -> None:
    make_subject(visibility)
    response = viewer_client(viewer, request).get(reverse("accounts:directory"))
    if viewer == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        return
    assert response.status_code == 200
    assert (b"Suse Subjekt" in response.content) is may_see


def test_owner_sees_their_own_hidden_profile(client: Client) -> None:
    owner = make_subject(Visibility.ORGANIZERS)
    client.force_login(owner)
    response = client.get("/members/suse/")
    assert response.status_code == 200
    assert reverse("accounts:edit-profile").encode() in response.content


def test_profile_page_shows_what_the_member_filled_in(client: Client) -> None:
    make_subject(
        Visibility.PUBLIC,
        field=Field.TAX_ADVICE,
        organisation="Kanzlei Nord",
        role="Steuerberaterin",
        bio="Ich mag Zahlen.",
        challenge="Wie erkläre ich Steuern auf TikTok?",
        linkedin="https://www.linkedin.com/in/suse",
    )
    html = client.get("/members/suse/").content.decode()
    assert "Steuerberaterin, Kanzlei Nord" in html
    assert "Tax advice" in html
    assert "Wie erkläre ich Steuern auf TikTok?" in html
    assert 'href="https://www.linkedin.com/in/suse" rel="me nofollow noopener"' in html
    assert '<meta name="robots" content="noindex">' in html


def test_profile_of_a_deactivated_account_is_gone(client: Client) -> None:
    user = make_subject(Visibility.PUBLIC)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/members/suse/").status_code == 404


def test_unknown_handle_is_404(client: Client) -> None:
    assert client.get("/members/nobody/").status_code == 404


def test_handle_in_other_case_redirects_to_the_profile(client: Client) -> None:
    make_subject(Visibility.PUBLIC)
    response = client.get("/members/SUSE/")
    assert response.status_code == 301
    assert response.url == "/members/suse/"


def test_profile_page_is_read_only(client: Client) -> None:
    make_subject(Visibility.PUBLIC)
    assert client.post("/members/suse/").status_code == 405


def test_directory_filters_by_field(client: Client, member: User) -> None:
    make_subject(Visibility.MEMBERS, field=Field.COACHING)
    Profile.objects.filter(user=member).update(field=Field.RECRUITING)
    client.force_login(member)
    html = client.get(reverse("accounts:directory"), {"field": "coaching"}).content
    assert b"Suse Subjekt" in html
    assert b"Mia Muster" not in html
    html = client.get(reverse("accounts:directory")).content
    assert b"Suse Subjekt" in html
    assert b"Mia Muster" in html


def test_directory_with_an_unknown_field_shows_everybody_and_says_so(
    client: Client, member: User
) -> None:
    client.force_login(member)
    response = client.get(reverse("accounts:directory"), {"field": "astrology"})
    assert response.status_code == 200
    assert b'class="errorlist"' in response.content
    assert b"Mia Muster" in response.content


def test_directory_leaves_out_unconfirmed_accounts(
    client: Client, member: User
) -> None:
    make_user("new@example.org", name="Nina Unbestätigt", verified=False)
    client.force_login(member)
    assert "Nina Unbestätigt" not in client.get("/members/").content.decode()


def test_directory_pages_keep_the_filter(client: Client, member: User) -> None:
    make_members(30)
    client.force_login(member)
    html = client.get(reverse("accounts:directory"), {"field": "recruiting"}).content
    assert b"?field=recruiting&amp;page=2" in html
    second = client.get(
        reverse("accounts:directory"), {"field": "recruiting", "page": 2}
    )
    assert second.status_code == 200


@pytest.mark.parametrize("page", ["99", "abc"])
def test_directory_page_that_does_not_exist_is_404(
    client: Client, member: User, page: str
) -> None:
    client.force_login(member)
    assert client.get(reverse("accounts:directory"), {"page": page}).status_code == 404


def test_directory_is_read_only(client: Client, member: User) -> None:
    client.force_login(member)
    assert client.post(reverse("accounts:directory")).status_code == 405


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("viewer", ["member", "organizer"])
def test_directory_query_count_does_not_grow_with_members(
    request: pytest.FixtureRequest, viewer: str, django_assert_max_num_queries: Any
) -> None:
    make_members(3)
    client = viewer_client(viewer, request)
    few = count_queries(client, reverse("accounts:directory"))
    make_members(300, start=3)
    client = viewer_client(viewer, request)
    many = count_queries(client, reverse("accounts:directory"))
    assert few == many
    client = viewer_client(viewer, request)
    with django_assert_max_num_queries(5):
        client.get(reverse("accounts:directory"))


@pytest.mark.parametrize("viewer", ["anonymous", "member", "organizer"])
def test_profile_page_query_count_does_not_grow_with_members(
    request: pytest.FixtureRequest, viewer: str, django_assert_max_num_queries: Any
) -> None:
    make_subject(Visibility.PUBLIC)
    make_members(3)
    client = viewer_client(viewer, request)
    few = count_queries(client, "/members/suse/")
    make_members(300, start=3)
    client = viewer_client(viewer, request)
    many = count_queries(client, "/members/suse/")
    assert few == many
    with django_assert_max_num_queries(5):
        client.get("/members/suse/")
