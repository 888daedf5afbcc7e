"""axe-core on every main page, as a visitor, a member and an organizer.

The page list and its demo data are in `tests/quality/pages.py`; pages linked from
listed pages are found by crawling and checked too. Each page is checked in the light
colour scheme with every axe rule, then in the dark scheme for colour contrast.

One browser, one set of demo data, one tab per role. A page whose `<main>` is the same
for a second role as for the first (the imprint for a member and an organizer) is
checked once: the header and footer of each role are checked on its other pages.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page

from tests.quality.pages import (
    ANONYMOUS,
    ROLES,
    Demo,
    Target,
    build_demo,
    collect_targets,
    error_pages,
    logged_in_client,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"

# Everything axe checks by default (WCAG 2.0-2.2 A/AA and best practices).
RUN_ALL = "async () => await axe.run(document, {resultTypes: ['violations']})"
RUN_CONTRAST = (
    "async () => await axe.run(document, {runOnly: ['color-contrast'],"
    " resultTypes: ['violations']})"
)


def role_context(
    browser: Browser, live_url: str, demo: Demo, role: str
) -> BrowserContext:
    """A German-speaking browser with axe on every page, logged in as `role`.

    axe comes in as an init script, which the page's CSP does not apply to, so the
    strict policy stays on while we check.
    """
    context = browser.new_context(locale="de-DE")
    context.add_init_script(path=str(AXE))
    if demo.users.get(role) is not None:
        session = logged_in_client(demo, role).cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.value,
                    "url": live_url,
                }
            ]
        )
    return context


def describe(violations: list[dict[str, Any]], scheme: str) -> list[str]:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"  {violation['id']} ({violation['impact']}, {scheme}): "
            f"{violation['help']}"
            f" — {len(nodes)} element(s)"
        )
        for node in nodes[:5]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(
                f"      {' '.join(map(str, node['target']))}: {node['html'][:160]}"
            )
            lines.append(f"        {summary[:300]}")
    return lines


def check_page(page: Page, live_url: str, target: Target) -> list[str]:
    page.emulate_media(color_scheme="light")
    response = page.goto(live_url + target.url)
    assert response is not None
    if response.status != target.status:
        return [f"  expected HTTP {target.status}, got {response.status}"]
    problems = describe(page.evaluate(RUN_ALL)["violations"], "light")
    page.emulate_media(color_scheme="dark")
    problems += describe(page.evaluate(RUN_CONTRAST)["violations"], "dark")
    return problems


def serve(page: Page, url: str, target: Target) -> None:
    """Answer `url` with the target's HTML, on the live server's origin (for CSS)."""
    page.route(
        url,
        lambda route: route.fulfill(
            status=target.status,
            body=target.html,
            content_type="text/html; charset=utf-8",
        ),
    )


def main_content(html: str) -> str:
    """The page's `<main>`, without the per-session CSRF tokens."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]*"',
        "",
        match.group(0) if match else html,
    )


def test_main_pages_have_no_axe_violations(live_server, browser: Browser) -> None:
    demo = build_demo()
    seen: set[tuple[str, str]] = set()
    checked: list[str] = []
    failures: list[str] = []
    for role in ROLES:
        context = role_context(browser, live_server.url, demo, role)
        page = context.new_page()
        targets = collect_targets(demo, role)
        if role == ANONYMOUS:
            for target in error_pages():
                serve(page, live_server.url + target.url, target)
                targets.append(target)
        for target in targets:
            key = (target.url, main_content(target.html))
            if key in seen:
                continue
            seen.add(key)
            checked.append(target.name)
            problems = check_page(page, live_server.url, target)
            if problems:
                failures.append(target.name + "\n" + "\n".join(problems))
        context.close()
    listing = "\n  ".join(checked)
    print(f"\naxe checked {len(checked)} pages (page and role pairs):\n  {listing}")
    if demo.skipped:
        print("not built yet, skipped:\n  " + "\n  ".join(demo.skipped))
    assert not failures, (
        f"axe found problems on {len(failures)} of {len(checked)} pages:\n"
        + "\n".join(failures)
    )
