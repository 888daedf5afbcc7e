"""A visitor writes to the Orga-Team from the footer link, on a phone."""

import os
import tempfile

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.events.orga_support import make_orga

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the screenshots go: SCREENSHOTS=folder keeps them; else a temporary one.
SHOTS = os.environ.get("SCREENSHOTS") or tempfile.mkdtemp(prefix="somehub-shots-")


def test_visitor_sends_a_message_from_the_footer(live_server, page: Page) -> None:
    make_orga("olga@example.org", "Olga Orga")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Kontakt zum Orga-Team").click()
    expect(page.locator("h1")).to_have_text("Kontakt zum Orga-Team")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    page.fill("#contact-name", "Vera Besucherin")
    page.fill("#contact-email", "vera@example.org")
    page.fill("#contact-message", "Darf ich im März einen Impuls zu TikTok geben?")
    page.screenshot(path=f"{SHOTS}/contact-390-de.png", full_page=True)
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.locator("h1")).to_have_text("Danke für deine Nachricht!")
    page.screenshot(path=f"{SHOTS}/contact-thanks-390-de.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    (message,) = mail.outbox
    assert message.reply_to == ["vera@example.org"]
    assert message.to == ["olga@example.org"]
