"""End to end in Chromium: sign up, confirm by the mailed link, fill the profile with
a photo, and see the profile page."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.conftest import image_bytes


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB"}


@pytest.mark.browser
def test_sign_up_confirm_fill_profile_and_see_it(
    live_server: Any, page: Page, mailoutbox: list
) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("E-mail address").fill("lena@example.org")
    page.get_by_label("Your name (optional)").fill("Lena Lindner")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    link = re.search(r"(http://\S+/accounts/confirm-email/\S+/)", mailoutbox[0].body)
    page.goto(link.group(1))
    page.get_by_role("button", name="Yes, confirm my address").click()
    # Logged in: the account menu in the header holds the member's links.
    page.locator(".user-menu summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Edit profile").first.click()
    page.get_by_label("Field of work").select_option("coaching")
    page.get_by_label("My current social media challenge").fill("Reels, die wirken")
    page.get_by_label("New photo").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}]
    )
    page.get_by_label("Everyone").check()
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(re.compile(r"/members/lena-lindner/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lena Lindner")
    expect(page.get_by_text("Reels, die wirken")).to_be_visible()
    expect(page.locator("img.avatar-xl")).to_have_attribute(
        "src", re.compile(r"^/media/avatars/.+\.webp$")
    )
