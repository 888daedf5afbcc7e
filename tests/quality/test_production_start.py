"""The documented production start works: gunicorn, production settings, real headers.

gunicorn runs with `gunicorn.conf.py` and the production environment of the README
(`DJANGO_DEBUG` off, `DJANGO_HTTPS=1` behind a proxy that sets `X-Forwarded-Proto`) on
127.0.0.1 and a free port, against the test database, with static files collected
into a temporary folder. It is stopped when the module ends.
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest
from django.db import connection
from django.urls import reverse

from scripts.prodserver import collectstatic, free_port, gunicorn, production_env
from tests.quality.pages import build_demo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_clock]

PROXY = {"X-Forwarded-Proto": "https", "Accept-Language": "de"}


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    opener = build_opener(NoRedirect)
    try:
        with opener.open(Request(url, headers=headers or {}), timeout=30) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        return error.code, error.headers, error.read()


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def server(django_db_setup: None, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip(
                "needs the Postgres test database (gunicorn runs in another process)"
            )
        url = database_url()
    folder = tmp_path_factory.mktemp("production")
    env = production_env(
        DATABASE_URL=url,
        DJANGO_HTTPS="1",
        DJANGO_BEHIND_PROXY="1",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        EMAIL_URL=f"filemail://{folder / 'mail'}",
        DJANGO_CONN_MAX_AGE="0",
        GUNICORN_WORKERS="1",
    )
    collectstatic(env)
    with gunicorn(env, free_port(), Path(folder / "gunicorn.log")) as base_url:
        yield base_url


def test_production_server_starts_and_serves_pages_and_static_files(
    server: str,
) -> None:
    demo = build_demo()
    status, headers, body = fetch(server + "/", PROXY)
    assert status == 200, body[:2000]
    html = body.decode()
    assert demo.next_event.title in html

    # Static files: hashed names, cached for a year, compressed.
    css = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert css.startswith("/static/css/site.") and css.count(".") == 2, css
    status, headers, _ = fetch(server + css, {**PROXY, "Accept-Encoding": "gzip"})
    assert status == 200
    assert "max-age=31536000" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == "gzip"

    status, headers, _ = fetch(server + "/favicon.ico", PROXY)
    assert status == 200


def test_plain_http_is_redirected_to_https(server: str) -> None:
    status, headers, _ = fetch(server + "/events/", {"X-Forwarded-Proto": "http"})
    assert status == 301
    assert headers["Location"].startswith("https://127.0.0.1")


def test_production_headers_on_home_event_recap_and_login_pages(server: str) -> None:
    demo = build_demo()
    paths = {
        "home": "/",
        "event": demo.next_event.get_absolute_url(),
        "login": reverse("account_login"),
    }
    if hasattr(demo, "recap"):
        paths["recap"] = demo.recap.get_absolute_url()
    wrong = []
    for name, path in paths.items():
        status, headers, _ = fetch(server + path, PROXY)
        expected = {
            "status": (status, 200),
            "Strict-Transport-Security": (
                headers["Strict-Transport-Security"],
                "max-age=31536000; includeSubDomains; preload",
            ),
            "X-Content-Type-Options": (headers["X-Content-Type-Options"], "nosniff"),
            "Referrer-Policy": (
                headers["Referrer-Policy"],
                "strict-origin-when-cross-origin",
            ),
            "Cross-Origin-Opener-Policy": (
                headers["Cross-Origin-Opener-Policy"],
                "same-origin",
            ),
            "X-Frame-Options": (headers["X-Frame-Options"], "DENY"),
        }
        wrong += [
            f"{name} {key}: {got!r}"
            for key, (got, want) in expected.items()
            if got != want
        ]
        csp = headers["Content-Security-Policy"] or ""
        if "script-src 'self'" not in csp or "unsafe-inline" in csp:
            wrong.append(f"{name} Content-Security-Policy: {csp!r}")
        if "camera=()" not in (headers["Permissions-Policy"] or ""):
            wrong.append(f"{name} Permissions-Policy missing")
        for cookie in headers.get_all("Set-Cookie") or []:
            if "Secure" not in cookie or "SameSite=Lax" not in cookie:
                wrong.append(f"{name} cookie without Secure/SameSite: {cookie}")
            if cookie.startswith("sessionid=") and "HttpOnly" not in cookie:
                wrong.append(f"{name} session cookie without HttpOnly: {cookie}")
    assert not wrong, "\n".join(wrong)
