"""CSRF: every URL of the site, the admin and allauth refuses a POST without a token.

The URLs come from the resolver itself, so a view added later is checked without
anyone listing it here. CsrfViewMiddleware rejects before the view runs, so any
value that matches a URL's pattern will do for its parameters.
"""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    UUIDConverter,
)
from django.urls.resolvers import RegexPattern, RoutePattern

from events.models import RSVP

pytestmark = pytest.mark.django_db

# Views whose form carries no token on purpose (it sits in pages cached for every
# visitor), protected instead by the Origin / Sec-Fetch-Site check of
# somehub.lib.csrf.same_origin_only. A POST from elsewhere is still refused.
CSRF_EXEMPT = {
    # Switching the language changes nothing but the language cookie.
    "django.views.i18n.set_language",
    # "I'm coming" with an e-mail address, in the event page cached for every
    # visitor: it only keeps the wish and e-mails a code to that address (rate-
    # limited); nothing happens until the code or the mailed link proves it.
    "events.views.rsvp_by_email.rsvp_by_email",
    # The contact form, cached for every visitor: it only sends a message to the
    # Orga-Team (rate-limited, with a honeypot), from pages of this site only.
    "events.views.contact.contact",
}
# Views that take a POST from anywhere by design, because their URL carries a
# signature: one-click unsubscribe (RFC 8058) is POSTed by mail programs and mail
# providers' servers, without cookies, token or Origin; the signed link is the
# proof, and all it can do is switch one kind of mail of one member.
SIGNED_LINKS = {"accounts.views.unsubscribe"}
# Values for regex groups (allauth's and the admin's own patterns).
REGEX_VALUES = {
    "key": "abc",
    "uidb36": "1",
    "app_label": "events",
    "url": "nothing-here/",
    "path": "x.webp",
}


def walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        part = _concrete(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + part)
        else:
            yield "/" + prefix + part, pattern


def _concrete(pattern: RoutePattern | RegexPattern) -> str:
    """A path that the pattern matches."""
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)

        def value(match: re.Match) -> str:
            converter = pattern.converters[match.group(2)]
            if isinstance(converter, (IntConverter, PathConverter)):
                return "1"
            if isinstance(converter, SlugConverter):
                return "x"
            if isinstance(converter, UUIDConverter):
                return "00000000-0000-4000-8000-000000000000"
            return "x"

        return re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    regex = str(pattern._regex).lstrip("^").rstrip("$")
    regex = re.sub(
        r"\(\?P<(\w+)>[^()]*(?:\([^()]*\)[^()]*)*\)",
        lambda m: REGEX_VALUES[m.group(1)],
        regex,
    )
    return regex.replace("\\", "")


def view_name(pattern: URLPattern) -> str:
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    target = view_class or callback
    if not hasattr(target, "__qualname__"):  # a callable instance (a feed)
        target = type(target)
    return f"{target.__module__}.{target.__qualname__}"


def all_urls() -> list[tuple[str, URLPattern]]:
    urls = []
    for path, pattern in walk(get_resolver().url_patterns):
        match = resolve(path)  # the made-up path must reach this very pattern
        assert match.func == pattern.callback, (path, pattern)
        urls.append((path, pattern))
    return urls


def test_only_forms_in_shared_pages_are_exempt_from_the_token() -> None:
    exempt = {
        view_name(p) for _, p in all_urls() if getattr(p.callback, "csrf_exempt", False)
    }
    assert exempt == CSRF_EXEMPT | SIGNED_LINKS


@pytest.fixture
def superuser_client() -> Client:
    from tests.conftest import make_user

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("root@example.org", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("who", ["anonymous", "superuser"])
def test_every_post_without_a_token_is_refused(
    who: str, superuser_client: Client, make_event, member, capsys
) -> None:
    event = make_event()
    rsvp = event.rsvp(member)
    client = (
        superuser_client if who == "superuser" else Client(enforce_csrf_checks=True)
    )
    checked, post_endpoints, wrong = 0, 0, []
    for path, pattern in all_urls():
        exempt = view_name(pattern) in CSRF_EXEMPT
        response = client.post(path, {"answer": "going", "body": "x"})
        checked += 1
        if view_name(pattern) in SIGNED_LINKS:
            # The made-up signature is refused: nothing is changed.
            assert response.status_code == 404, path
            continue
        if exempt:
            # No Origin and no Sec-Fetch-Site: refused, as from another site.
            assert response.status_code == 403, path
            for headers in (
                {"origin": "https://evil.example"},
                {"sec-fetch-site": "cross-site"},
                {"sec-fetch-site": "same-site", "origin": "http://testserver"},
            ):
                refused = client.post(path, {"language": "en"}, headers=headers)
                assert refused.status_code == 403, (path, headers)
            for headers in (
                {"sec-fetch-site": "same-origin"},
                {"origin": "http://testserver"},
            ):
                allowed = client.post(path, {"language": "en"}, headers=headers)
                # Past the check, the view answers (the made-up event is a 404,
                # the contact form without its fields a 400 naming them).
                assert allowed.status_code in (302, 204, 400, 404), (path, headers)
            continue
        if response.status_code != 403:
            wrong.append(f"{path} ({view_name(pattern)}): {response.status_code}")
        allowed = client.options(path).get("Allow")
        if allowed is None or "POST" in allowed:
            post_endpoints += 1
    assert not wrong, "POST without a CSRF token was not refused:\n" + "\n".join(wrong)
    assert RSVP.objects.get(pk=rsvp.pk).status == rsvp.status
    assert checked > 150
    with capsys.disabled():
        print(
            f"\nCSRF ({who}): {checked} URL patterns posted to without a token, "
            f"{post_endpoints} of them take POST; all refused with 403"
        )


def test_the_same_post_with_a_token_works(client: Client, member, make_event) -> None:
    """The 403s above come from the missing token, not from a broken URL."""
    event = make_event()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    csrf_client.get(event.get_absolute_url())
    token = csrf_client.cookies["csrftoken"].value
    url = f"/events/{event.slug}/rsvp/"
    assert csrf_client.post(url, {"answer": "going"}).status_code == 403
    response = csrf_client.post(
        url, {"answer": "going"}, headers={"x-csrftoken": token}
    )
    assert response.status_code == 302
    assert RSVP.objects.get(event=event, member=member).is_going


def test_the_403_page_for_a_missing_token_is_the_sites_own(member) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/me/profile/", {"display_name": "x"})
    assert response.status_code == 403
    assert 'class="error-page"' in response.content.decode()
