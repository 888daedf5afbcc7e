"""Sign-up, e-mail confirmation, login (password and code), logout, safe `next`."""

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Profile, User
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"http://testserver(/accounts/confirm-email/[^/\s]+/)")
CONFIRM_WITH_NEXT = re.compile(r"http://testserver(/accounts/confirm-email/\S+)")


def sign_up(client: Client, email: str = "nora@example.org", **extra: str) -> Any:
    data = {"email": email, "display_name": "", "password1": "", "password2": ""}
    data.update(extra)
    return client.post(reverse("account_signup"), data)


def test_signup_confirm_and_login_flow(client: Client, mailoutbox: list) -> None:
    response = sign_up(
        client,
        display_name="Nora Neu",
        password1="stammtisch-2016",
        password2="stammtisch-2016",
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="nora@example.org")
    assert user.profile.display_name == "Nora Neu"
    # The handle comes from the chosen name, never from the address.
    assert user.profile.handle == "nora-neu"
    assert not user.has_verified_email

    # Not yet a member: the directory asks for the confirmation first.
    assert client.get(reverse("accounts:directory")).status_code in (302, 403)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nora@example.org"]
    assert message.subject.startswith("[#SoMeH] ")
    html = dict((mime, body) for body, mime in message.alternatives)["text/html"]
    path = CONFIRM_LINK.search(message.body).group(1)
    assert path in html

    page = client.get(path)
    assert page.status_code == 200
    assert b"nora@example.org" in page.content
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    # Confirmed in the same browser: logged in straight away.
    assert client.get(reverse("accounts:directory")).status_code == 200

    client.post(reverse("account_logout"))
    assert client.get(reverse("accounts:directory")).status_code == 302
    response = client.post(
        reverse("account_login"),
        {"login": "nora@example.org", "password": "stammtisch-2016"},
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:directory")).status_code == 200


def test_signup_without_password_logs_in_by_code(
    client: Client, mailoutbox: list
) -> None:
    sign_up(client, email="pia@example.org")
    user = User.objects.get(email="pia@example.org")
    assert not user.has_usable_password()
    path = CONFIRM_LINK.search(mailoutbox[0].body).group(1)
    client.post(path)
    client.post(reverse("account_logout"))

    response = client.post(
        reverse("account_request_login_code"), {"email": "pia@example.org"}
    )
    assert response.status_code == 302
    code_mail = mailoutbox[-1]
    code = code_mail.subject.rsplit(" ", 1)[-1]
    assert code in code_mail.body
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 200


def test_signup_stores_the_language_of_the_request_for_emails(
    mailoutbox: list,
) -> None:
    english = Client(headers={"accept-language": "en"})
    sign_up(english, email="emma@example.org")
    assert (
        Profile.objects.get(user__email="emma@example.org").preferred_language == "en"
    )
    german = Client(headers={"accept-language": "de"})
    sign_up(german, email="gerd@example.org")
    assert (
        Profile.objects.get(user__email="gerd@example.org").preferred_language == "de"
    )


def test_account_emails_use_the_members_language(
    member: User, mailoutbox: list
) -> None:
    member.profile.preferred_language = "en"
    member.profile.save()
    german = Client(headers={"accept-language": "de"})
    german.post(reverse("account_reset_password"), {"email": member.email})
    assert len(mailoutbox) == 1
    assert "Choose a new password" in mailoutbox[0].subject
    assert mailoutbox[0].alternatives[0][1] == "text/html"


def test_signup_handles_from_names_get_unique_numbers(client: Client) -> None:
    make_user("nora@example.com", handle="nora-neu")
    sign_up(client, email="nora@example.org", display_name="Nora Neu")
    assert User.objects.get(email="nora@example.org").profile.handle == "nora-neu-2"


def test_signup_without_a_name_gets_a_neutral_handle_and_name(client: Client) -> None:
    sign_up(client, email="zorro.quix42@example.org")
    profile = User.objects.get(email="zorro.quix42@example.org").profile
    assert profile.handle.startswith("member-")
    assert "zorro" not in profile.handle
    assert profile.display_name == ""
    assert profile.name.startswith("Member since ")
    assert profile.initials == ""


def test_signup_rejects_mismatched_passwords(client: Client) -> None:
    response = sign_up(client, password1="stammtisch-2016", password2="other-2016!")
    assert response.status_code == 200
    assert not User.objects.filter(email="nora@example.org").exists()
    assert b'aria-invalid="true"' in response.content


def test_unverified_account_cannot_log_in_with_password(
    client: Client, mailoutbox: list
) -> None:
    make_user("new@example.org", verified=False)
    response = client.post(
        reverse("account_login"),
        {"login": "new@example.org", "password": "correct horse"},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_unverified_account_is_kept_from_the_directory(client: Client) -> None:
    user = make_user("new@example.org", verified=False)
    client.force_login(user)
    response = client.get(reverse("accounts:directory"))
    assert response.status_code == 403
    assert b"confirm your e-mail address" in response.content


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "http://testserver/events/",
        "javascript:alert(1)",
    ],
)
def test_login_ignores_next_urls_that_leave_the_site(
    client: Client, member: User, next_url: str
) -> None:
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": "correct horse", "next": next_url},
    )
    assert response.status_code == 302
    assert response.url == reverse("events:home")


def test_login_returns_to_the_page_in_next(client: Client, member: User) -> None:
    response = client.post(
        reverse("account_login") + "?next=/events/",
        {"login": member.email, "password": "correct horse"},
    )
    assert response.url == "/events/"


def test_signup_link_on_login_page_keeps_a_local_next_only(client: Client) -> None:
    page = client.get(reverse("account_login") + "?next=/events/")
    assert b"/accounts/signup/?next=%2Fevents%2F" in page.content
    page = client.get(reverse("account_login") + "?next=https://evil.example/")
    assert b'href="/accounts/signup/"' in page.content


def test_repeated_failed_logins_hit_the_rate_limit(
    client: Client, member: User
) -> None:
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": member.email, "password": "wrong"}
        )
        assert b"not right" in response.content
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "correct horse"}
    )
    assert response.status_code == 200
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(client: Client, member: User) -> None:
    client.force_login(member)
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert "_auth_user_id" in client.session
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("legal_pages")
def test_navigation_offers_members_account_and_a_logout_form(
    client: Client, member: User
) -> None:
    client.force_login(member)
    html = client.get(reverse("accounts:privacy")).content.decode()
    assert reverse("accounts:directory") in html
    assert reverse("accounts:account") in html
    assert re.search(
        r'<form action="/accounts/logout/" method="post">.*?<button type="submit">',
        html,
        re.S,
    )


@pytest.mark.usefixtures("legal_pages")
def test_footer_links_to_the_legal_pages(client: Client) -> None:
    html = client.get(reverse("accounts:privacy")).content.decode()
    assert reverse("accounts:imprint") in html
    assert reverse("accounts:privacy") in html


def test_restyled_account_pages_render_in_the_site_layout(
    client: Client, member: User
) -> None:
    for name in [
        "account_login",
        "account_signup",
        "account_request_login_code",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ]:
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert b'class="site-header"' in page.content, name
        assert page.content.count(b"<h1") == 1, name
    client.force_login(member)
    for name in ["account_email", "account_change_password", "account_logout"]:
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert b'class="site-header"' in page.content, name
        assert page.content.count(b"<h1") == 1, name


def test_no_inline_scripts_or_styles_on_account_pages(client: Client) -> None:
    for name in ["account_login", "account_signup", "account_reset_password"]:
        html = client.get(reverse(name)).content.decode()
        # Scripts only as files of the site itself (the CSP allows nothing else).
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
        tags = re.findall(r"<script\b[^>]*>", html)
        assert all(body.strip() == "" for body in scripts)
        assert all(re.search(r'\ssrc="/static/', tag) for tag in tags), tags
        assert "<style" not in html
        assert "style=" not in html
        assert not re.search(r"\son[a-z]+=", html)


def test_confirming_returns_to_the_page_the_member_came_from(
    client: Client, mailoutbox: list
) -> None:
    client.post(
        reverse("account_signup") + "?next=/events/",
        {"email": "nora@example.org", "next": "/events/"},
    )
    path = CONFIRM_LINK.search(mailoutbox[0].body).group(1)
    response = client.post(path)
    assert response.status_code == 302
    assert response.url == "/events/"


# Where the visitor came from (`next`) survives every step


def test_login_page_links_keep_next(client: Client) -> None:
    html = client.get(reverse("account_login") + "?next=/events/a-date/").content
    html = html.decode()
    assert reverse("account_signup") + "?next=%2Fevents%2Fa-date%2F" in html
    assert reverse("account_request_login_code") + "?next=%2Fevents%2Fa-date%2F" in html


def test_the_confirmation_link_leads_back_even_in_another_browser(
    client: Client, mailoutbox: list
) -> None:
    client.post(
        reverse("account_signup"),
        {"email": "nora@example.org", "display_name": "", "next": "/events/a-date/"},
    )
    link = CONFIRM_WITH_NEXT.search(mailoutbox[0].body)
    assert link.group(1).endswith("?next=%2Fevents%2Fa-date%2F")
    phone = Client()  # the mail app: no session of the sign-up
    assert phone.get(link.group(1)).status_code == 200
    response = phone.post(link.group(1))
    assert response.status_code == 302
    assert response.url == "/events/a-date/"
    assert EmailAddress.objects.get(email="nora@example.org").verified


def test_a_foreign_next_is_never_put_into_the_mail(
    client: Client, mailoutbox: list
) -> None:
    client.post(
        reverse("account_signup"),
        {"email": "nora@example.org", "next": "https://evil.example/"},
    )
    assert "evil" not in mailoutbox[0].body


def test_a_code_request_for_an_unknown_address_offers_the_way_in(
    client: Client, mailoutbox: list
) -> None:
    response = client.post(
        reverse("account_request_login_code"),
        {"email": "new@example.org", "next": "/events/a-date/"},
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    # The page cannot say whether the address is known (nobody may test addresses
    # here), so it says what a newcomer gets instead of a code.
    assert "New here? Then the e-mail has no code but a link to join." in page
    (message,) = mailoutbox
    assert message.subject.startswith("[#SoMeH] ")
    assert settings.SITE_URL + "/events/a-date/" in message.body
    assert "/accounts/signup/?next=%2Fevents%2Fa-date%2F" in message.body
    assert "you need no account" in message.body.lower().replace("\n", " ")
