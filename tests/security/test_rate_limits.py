"""Login, sign-up and login-code requests are rate limited (allauth's limits, kept
in the cache), per address and per account; behind a proxy the address is the
visitor's, not the proxy's."""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    cache.clear()


def _login(client: Client, password: str, ip: str = "203.0.113.7", **headers: str):
    return client.post(
        reverse("account_login"),
        {"login": "mia@example.org", "password": password},
        REMOTE_ADDR=ip,
        headers={"accept-language": "en", **headers},
    )


def assert_refused(response) -> None:
    """Not logged in, told why: allauth's form error for too many attempts."""
    assert response.status_code in (200, 429)
    assert "Too many failed attempts" in response.content.decode()


def test_five_wrong_passwords_lock_the_account_for_a_while(member) -> None:
    client = Client()
    for _ in range(5):
        response = _login(client, "wrong")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = _login(client, "correct horse")  # even the right one, for now
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Too many failed attempts" in response.content.decode()


def test_the_lock_is_per_account_not_for_everyone(member, stranger) -> None:
    client = Client()
    for _ in range(5):
        _login(client, "wrong")
    response = Client().post(
        reverse("account_login"),
        {"login": "sam@example.org", "password": "correct horse"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 302


def test_many_failures_from_one_address_block_that_address(member) -> None:
    client = Client()
    for n in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"guess{n}@example.org", "password": "x"},
            REMOTE_ADDR="203.0.113.7",
        )
    response = _login(Client(), "correct horse", ip="203.0.113.7")
    assert_refused(response)
    # Someone else is not affected.
    assert _login(Client(), "correct horse", ip="198.51.100.9").status_code == 302


def test_sign_ups_from_one_address_are_limited() -> None:
    client = Client()
    statuses = []
    for n in range(21):
        response = client.post(
            reverse("account_signup"),
            {"email": f"bot{n}@example.org", "password1": "", "password2": ""},
            REMOTE_ADDR="203.0.113.8",
        )
        statuses.append(response.status_code)
        client.logout()
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
    assert User.objects.count() == 20


def test_login_codes_for_one_address_are_limited(member, mailoutbox) -> None:
    statuses = []
    for _ in range(4):
        response = Client().post(
            reverse("account_request_login_code"),
            {"email": "mia@example.org"},
            REMOTE_ADDR="203.0.113.9",
        )
        statuses.append(response.status_code)
    assert statuses[:3] == [302] * 3
    assert statuses[3] in (200, 429)
    assert len(mailoutbox) == 3


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_limit_counts_the_visitors_address(member) -> None:
    """nginx connects from 127.0.0.1 and appends the visitor to X-Forwarded-For."""
    for n in range(10):
        Client().post(
            reverse("account_login"),
            {"login": f"guess{n}@example.org", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            headers={"x-forwarded-for": "203.0.113.7"},
        )
    attacker = _login(
        Client(), "correct horse", ip="127.0.0.1", **{"x-forwarded-for": "203.0.113.7"}
    )
    assert_refused(attacker)
    # A forged header in front does not help: the proxy's entry is the last one.
    forged = _login(
        Client(),
        "correct horse",
        ip="127.0.0.1",
        **{"x-forwarded-for": "198.51.100.1, 203.0.113.7"},
    )
    assert_refused(forged)
    visitor = _login(
        Client(), "correct horse", ip="127.0.0.1", **{"x-forwarded-for": "198.51.100.9"}
    )
    assert visitor.status_code == 302


def test_production_settings_trust_one_proxy() -> None:
    import subprocess
    import sys

    from scripts.prodserver import ROOT, production_env

    env = production_env(DJANGO_BEHIND_PROXY="1", DJANGO_HTTPS="1")
    code = (
        "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "somehub.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "1"


def test_the_admin_login_form_cannot_be_used_to_guess_passwords(organizer) -> None:
    """Django's admin login has no rate limit of its own: it only sends people to
    allauth's login, whose limits hold for organizers as for everyone."""
    client = Client()
    admin_login = reverse("admin:login")
    for password in ("wrong", "correct horse"):
        response = client.post(
            admin_login, {"username": "orga@example.org", "password": password}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in client.session
    for _ in range(5):
        client.post(
            reverse("account_login"),
            {"login": "orga@example.org", "password": "wrong"},
            headers={"accept-language": "en"},
        )
    response = client.post(
        reverse("account_login"),
        {"login": "orga@example.org", "password": "correct horse"},
        headers={"accept-language": "en"},
    )
    assert "_auth_user_id" not in client.session
    assert_refused(response)


def test_organizers_reach_the_admin_after_logging_in_as_everyone_does(
    client: Client, organizer
) -> None:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    login = client.get(response["Location"], follow=True)
    assert login.redirect_chain[-1][0].startswith(reverse("account_login"))
    response = client.post(
        login.redirect_chain[-1][0],
        {"login": "orga@example.org", "password": "correct horse"},
    )
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_robots_txt_does_not_give_the_admin_address_away(
    client: Client, settings
) -> None:
    body = client.get("/robots.txt").content.decode()
    assert settings.ADMIN_URL.strip("/") not in body
