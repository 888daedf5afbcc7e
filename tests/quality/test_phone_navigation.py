"""The header on a phone (320 and 390 px), with and without JavaScript: every link is
on the screen and can be reached, nothing scrolls sideways, no focus ring is cut off."""

from itertools import pairwise
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Room the focus ring takes outside an element (outline 3px + offset 2px).
RING = 5


def open_page(
    browser: Browser,
    live_server: Any,
    width: int,
    javascript: bool,
    user: User | None,
    language: str = "de",
) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": 700},
        java_script_enabled=javascript,
        locale="de-DE",
    )
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session,
                "url": live_server.url,
            }
        )
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(live_server.url + "/recaps/")
    return page


def header_items(page: Page) -> list[dict[str, Any]]:
    """Every link and button of the header that is shown, with its box."""
    return page.eval_on_selector_all(
        ".site-header a, .site-header summary, .site-header button",
        """els => els.filter(e => e.checkVisibility()).map(e => {
            const r = e.getBoundingClientRect();
            return {text: e.textContent.trim(), left: r.left, right: r.right,
                    top: r.top, bottom: r.bottom};
        })""",
    )


def assert_on_screen(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for item in header_items(page):
        assert item["left"] - RING >= 0, item
        assert item["right"] + RING <= width, item


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("who", ["visitor", "member", "organizer"])
def test_every_header_link_is_on_the_screen_and_reachable(
    live_server: Any,
    browser: Browser,
    member: User,
    organizer: User,
    who: str,
    width: int,
    javascript: bool,
) -> None:
    user = {"visitor": None, "member": member, "organizer": organizer}[who]
    page = open_page(browser, live_server, width, javascript, user)
    main = ["Termine", "Archiv", "Impulse", "Rückblicke"]
    for name in main:
        expect(
            page.locator(".site-nav").get_by_role("link", name=name, exact=True)
        ).to_be_in_viewport()
    if user is None:
        expect(page.get_by_role("link", name="Einloggen")).to_be_in_viewport()
    else:
        menu = page.locator(".user-menu summary")
        expect(menu).to_be_in_viewport()
        menu.click()
        names = ["Meine Termine", "Mitglieder", "Mein Konto"]
        if who == "organizer":
            names.append("Orga-Team")
        for name in names:
            expect(page.get_by_role("link", name=name, exact=True)).to_be_in_viewport()
        expect(page.get_by_role("button", name="Ausloggen")).to_be_in_viewport()
    assert_on_screen(page, width)
    page.context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_keyboard_focus_rings_stay_on_the_screen(
    live_server: Any, browser: Browser, member: User, width: int
) -> None:
    page = open_page(browser, live_server, width, True, member)
    page.keyboard.press("Tab")  # the skip link
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e.closest('.site-header')) return null;
                const r = e.getBoundingClientRect();
                return {text: e.textContent.trim(), left: r.left, right: r.right};
            }"""
        )
        if focused is None:
            break
        seen.append(focused["text"])
        assert focused["left"] - RING >= 0, focused
        assert focused["right"] + RING <= width, focused
        if focused["text"] == "Konto":
            page.keyboard.press("Enter")  # open the menu, and go on into it
    assert "Rückblicke" in seen and "Ausloggen" in seen
    page.context.close()


def test_the_account_menu_closes_on_escape_and_outside_clicks(
    live_server: Any, browser: Browser, member: User
) -> None:
    page = open_page(browser, live_server, 390, True, member)
    menu = page.locator(".user-menu details")
    page.locator(".user-menu summary").click()
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(page.locator(".user-menu summary")).to_be_focused()
    page.locator(".user-menu summary").click()
    page.mouse.click(10, 650)  # somewhere below the menu
    expect(menu).not_to_have_attribute("open", "")
    page.context.close()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_header_takes_two_rows_at_most_on_a_phone(
    live_server: Any, browser: Browser, member: User, language: str
) -> None:
    for user in (None, member):
        for width in (320, 390):
            page = open_page(browser, live_server, width, True, user, language)
            tops = sorted(item["top"] for item in header_items(page))
            rows = 1 + sum(1 for a, b in pairwise(tops) if b - a > 15)
            # Brand and account in one row, the main links in the other.
            assert rows <= 2, (width, tops)
            page.context.close()
