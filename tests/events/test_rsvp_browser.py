"""End to end in headless Chromium: say yes, see yourself on the list, cancel; wait."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect

from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(browser: Browser, live_server, user) -> BrowserContext:
    """A browser context carrying the session of `user`, reading English."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        locale="en-GB", viewport={"width": 390, "height": 900}
    )
    host = live_server.url.split("://", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            },
            {
                "name": settings.LANGUAGE_COOKIE_NAME,
                "value": "en",
                "domain": host,
                "path": "/",
            },
        ]
    )
    return context


def test_member_rsvps_sees_their_face_and_cancels(
    live_server, browser: Browser, make_event, member
) -> None:
    event = make_event(capacity=20)
    event.rsvp(make_user("early@example.org", name="Erika Early"))
    context = logged_in(browser, live_server, member)
    page = context.new_page()
    page.goto(live_server.url + event.get_absolute_url())
    box = page.locator("#rsvp")
    expect(box).to_contain_text("1 of 20 places taken")

    box.get_by_role("button", name="I'm coming").click()

    # The answer is in the RSVP box, where the visitor is, and has the focus.
    expect(box.locator(".rsvp-feedback")).to_contain_text("You're in!")
    expect(box.locator(".rsvp-feedback")).to_be_focused()
    expect(box).to_contain_text("2 of 20 places taken")
    expect(box.locator(".pill-going")).to_have_text("You're going")
    attendees = page.locator(".attendees")
    expect(attendees).to_contain_text("Mia Muster")
    expect(
        attendees.locator(".attendee", has_text="Mia Muster").locator(".avatar")
    ).to_have_text("MM")

    box.get_by_role("button", name="Cancel my RSVP").click()

    expect(box.locator(".rsvp-feedback")).to_contain_text("can't come")
    expect(box).to_contain_text("1 of 20 places taken")
    expect(attendees).not_to_contain_text("Mia Muster")
    expect(box.get_by_role("button", name="I'm coming after all")).to_be_visible()
    context.close()


def test_second_member_on_a_full_event_sees_their_waiting_position(
    live_server, browser: Browser, make_event, member, stranger
) -> None:
    event = make_event(capacity=1)
    event.rsvp(stranger)
    context = logged_in(browser, live_server, member)
    page = context.new_page()
    page.goto(live_server.url + event.get_absolute_url())
    box = page.locator("#rsvp")
    expect(box).to_contain_text("fully booked")

    box.get_by_role("button", name="Join the waiting list").click()

    feedback = box.locator(".rsvp-feedback")
    expect(feedback).to_contain_text("number 1 on the waiting list")
    expect(box.locator(".pill-waiting")).to_have_text(
        "You are number 1 on the waiting list"
    )
    expect(box).to_contain_text("1 on the waiting list")
    page.goto(live_server.url + "/me/events/")
    expect(page.locator(".my-events")).to_contain_text("Waiting list, number 1")
    context.close()
