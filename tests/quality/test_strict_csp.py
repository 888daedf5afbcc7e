"""Strict CSP holds on every main page: no inline code, the policy and headers are sent.

The policy itself (`SECURE_CSP`, no 'unsafe-inline') would silently break a page that
carries inline code, so the rendered HTML is scanned for it: `<script>` without `src`
(JSON-LD data blocks excepted), `<style>` elements, `style=` attributes, `on…=` event
handlers and `javascript:` URLs.
"""

import re

import pytest

from tests.quality.pages import INLINE_PATTERNS, Target, error_pages

# The marker makes pytest-django set up the test database for `rendered_pages`.
pytestmark = pytest.mark.django_db

CSP_MUST_CONTAIN = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
)

CAMERA_PAGES = ("events:checkin ",)


def inline_code(html: str) -> list[str]:
    found = []
    for what, pattern in INLINE_PATTERNS.items():
        for match in pattern.finditer(html):
            line = html.count("\n", 0, match.start()) + 1
            found.append(f"  {what}, line {line}: {match.group(0)[:160]}")
    return found


def test_no_inline_scripts_styles_or_handlers(rendered_pages: list[Target]) -> None:
    failures = []
    for target in rendered_pages + error_pages():
        problems = inline_code(target.html)
        if problems:
            failures.append(target.name + "\n" + "\n".join(problems))
    assert not failures, "Inline code that the strict CSP blocks:\n" + "\n".join(
        failures
    )


def test_scanner_catches_what_the_policy_blocks() -> None:
    html = """<script>alert(1)</script><script src="/static/js/a.js"></script>
    <script type="application/ld+json">{}</script><p style="color:red">x</p>
    <style>p{}</style><img src="x.png" onerror="alert(1)" alt="">
    <a href="javascript:alert(1)">x</a><p>click onclick=this</p>"""
    kinds = [line.split(",")[0].strip() for line in inline_code(html)]
    assert kinds == [
        "inline <script>",
        "style= attribute",
        "<style> element",
        "on…= handler",
        "javascript: URL",
    ]


def test_every_page_sends_the_strict_policy_and_permissions_policy(
    rendered_pages: list[Target],
) -> None:
    failures = []
    for target in rendered_pages:
        csp = target.headers.get("Content-Security-Policy", "")
        missing = [part for part in CSP_MUST_CONTAIN if part not in csp]
        if "unsafe-inline" in csp or "unsafe-eval" in csp:
            missing.append("no 'unsafe-inline'/'unsafe-eval'")
        policy = target.headers.get("Permissions-Policy", "")
        # Only the door check-in's scanner may use the camera, and only itself.
        camera = (
            "camera=(self)" if target.name.startswith(CAMERA_PAGES) else "camera=()"
        )
        if camera not in policy or "microphone=()" not in policy:
            missing.append("Permissions-Policy")
        if missing:
            failures.append(f"{target.name}: {', '.join(missing)}")
    assert not failures, "Headers missing:\n" + "\n".join(failures)


def test_pages_answer_with_the_expected_status(rendered_pages: list[Target]) -> None:
    """A listed page that fails (500, redirect, 403) would make the checks vacuous."""
    wrong = [
        f"{t.name}: expected {t.status}, got {t.headers['X-Unexpected-Status']}"
        for t in rendered_pages
        if "X-Unexpected-Status" in t.headers
    ]
    assert not wrong, "\n".join(wrong)
    assert len({t.url for t in rendered_pages}) >= 10
    assert any(re.search(r"<h1\b", t.html) for t in rendered_pages)
