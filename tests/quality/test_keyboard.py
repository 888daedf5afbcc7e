"""The main tasks with the keyboard alone: Tab, Shift+Tab, Enter and typing, no mouse.

Each step also checks that the focused element shows a visible focus ring. The
pages keep the strict CSP (nothing is injected here).
"""

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.quality.pages import MEMBER, Demo, build_demo, logged_in_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 80


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab until `selector` has the focus; it must show a focus ring."""
    target = page.locator(selector).first
    expect(target).to_be_attached()
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            ring = target.evaluate(
                "el => { const s = getComputedStyle(el);"
                " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 }"
            )
            assert ring, f"{selector} has the focus but shows no focus ring"
            return
    raise AssertionError(
        f"{selector} cannot be reached with {key} ({MAX_TABS} presses)"
    )


def focused_in(page: Page, selector: str) -> bool:
    return page.evaluate(
        "sel => !!document.activeElement && !!document.activeElement.closest(sel)",
        selector,
    )


def member_context(browser: Browser, live_url: str, demo: Demo) -> BrowserContext:
    context = browser.new_context(locale="de-DE")
    session = logged_in_client(demo, MEMBER).cookies[settings.SESSION_COOKIE_NAME]
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


def test_visitor_skips_to_content_switches_language_and_follows_an_event(
    live_server, page: Page
) -> None:
    demo = build_demo()
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the skip link must show when focused"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused_in(page, "main"), "after the skip link, Tab continues inside <main>"

    tab_to(page, ".language-switch button[value=en]")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".language-switch button[value=en]")).to_have_attribute(
        "aria-pressed", "true"
    )

    page.goto(live_server.url + "/")
    tab_to(page, ".next-event-title a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + demo.next_event.get_absolute_url())
    expect(page.locator("h1")).to_have_text(demo.next_event.title)


def test_member_rsvps_cancels_comments_and_replies_with_the_keyboard(
    live_server, browser: Browser
) -> None:
    demo = build_demo()
    try:
        reverse("events:rsvp", kwargs={"slug": "x"})
        reverse("events:comment-create", kwargs={"slug": "x"})
    except NoReverseMatch:
        pytest.skip("RSVPs or comments are not built yet")
    from events.models import RSVP

    context = member_context(browser, live_server.url, demo)
    page = context.new_page()
    member, event = demo.users[MEMBER], demo.open_event

    page.goto(live_server.url + event.get_absolute_url())
    tab_to(page, ".rsvp-form button[value=going]")
    page.keyboard.press("Enter")
    expect(page.locator(".rsvp-box .pill-going")).to_be_visible()
    assert RSVP.objects.get(event=event, member=member).status == "going"

    tab_to(page, ".rsvp-form button[value=not_going]")
    page.keyboard.press("Enter")
    expect(page.locator(".rsvp-box .pill-going")).to_have_count(0)
    assert RSVP.objects.get(event=event, member=member).status == "not_going"

    page.goto(live_server.url + demo.recap.get_absolute_url())
    tab_to(page, "#comment-form-body")
    page.keyboard.type("Danke für den Abend, mit der Tastatur geschrieben.")
    tab_to(page, "#comment-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(
        page.locator(".comment", has_text="mit der Tastatur geschrieben")
    ).to_be_visible()

    page.goto(live_server.url + demo.recap.get_absolute_url())
    tab_to(page, f"#comment-{demo.comment.pk} a[href*='reply=']")
    page.keyboard.press("Enter")
    expect(page.locator("#reply-form")).to_be_visible()
    tab_to(page, "#reply-form-body")
    page.keyboard.type("Eine Antwort, ebenfalls ohne Maus.")
    tab_to(page, "#reply-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(
        page.locator(".comment-reply", has_text="ebenfalls ohne Maus")
    ).to_be_visible()
    context.close()
