"""End to end in headless Chromium: an organizer writes to those who were at the
last evening (preview, a test to themself, send), Back and send again sends
nothing more; a member follows the unsubscribe link from that mail and reads what
changed. Screenshots of the composer and the mail choices (SCREENSHOTS=folder)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Profile
from events.models import Mailing
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga
from tests.events.test_orga_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT_DIR = os.environ.get("SCREENSHOTS", "")


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_organizer_writes_to_those_who_were_there_once_and_a_member_unsubscribes(
    live_server, page: Page, browser, make_event, tmp_path
) -> None:
    shots = shots_dir(tmp_path)
    orga = make_orga("olga@example.org", "Olga Orga")
    last = make_event(
        title="Stammtisch im Oktober", starts_at=timezone.now() - timedelta(days=6)
    )
    otto = make_user("otto@example.org", name="Otto Da")
    paul = make_user("paul@example.org", name="Paul Weg")
    Profile.objects.filter(user__in=[otto, paul]).update(notify_orga_messages=True)
    answer(last, otto, checked_in_at=last.starts_at + timedelta(minutes=5))
    answer(last, paul)  # said yes, did not come
    base = live_server.url
    mail.outbox.clear()

    log_in(page, base, orga.email, "/orga/")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/orga/messages/new/")
    compose_url = page.url
    page.select_option("#id_segment", "attended")
    expect(page.locator("#id_event")).to_have_value(str(last.pk))
    expect(page.locator("#id_months")).to_be_hidden()
    page.fill("#id_subject", "Danke fürs Kommen!")
    page.fill("#id_body", "Schön, dass ihr da wart.\n\nDie **Fotos** kommen bald.")
    page.screenshot(
        path=str(shots / "message-attended-composer-de-1280.png"), full_page=True
    )
    page.get_by_role("button", name="Vorschau").click()

    expect(page.locator("h1")).to_have_text("An 1 Person senden?")
    expect(page.locator(".composer-body strong")).to_have_text("Fotos")
    expect(page.locator(".mail-preview")).to_have_count(2)
    page.screenshot(
        path=str(shots / "message-attended-preview-de-1280.png"), full_page=True
    )

    page.get_by_role("button", name="Test an mich senden").click()
    expect(page.locator(".messages, [role=status], .alert").first).to_contain_text(
        "olga@example.org"
    )
    assert [m.to for m in mail.outbox] == [["olga@example.org"]]

    page.get_by_role("button", name="An 1 Person senden").click()
    expect(page.locator("h1")).to_have_text("Gesendete Nachrichten")
    expect(page.locator(".mailing-text")).to_contain_text("Schön, dass ihr da wart.")
    assert [m.to for m in mail.outbox][1:] == [["otto@example.org"]]
    page.screenshot(path=str(shots / "sent-list-de-1280.png"), full_page=True)

    # Back to the preview, and "send" once more; then back to the composer.
    page.go_back()
    send_again = page.get_by_role("button", name="An 1 Person senden")
    if send_again.count():
        send_again.click()
        expect(page.locator("h1")).to_have_text("Gesendete Nachrichten")
    page.goto(compose_url)
    expect(page.locator("h1")).to_have_text("Diese Nachricht ist verschickt")
    assert len(mail.outbox) == 2 and Mailing.objects.count() == 1

    # Otto follows the link in his mail, not logged in, on his phone.
    to_otto = mail.outbox[1]
    link = to_otto.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in to_otto.body
    assert link.startswith(("https://", "http://"))
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    member_page = phone.new_page()
    member_page.goto(base + link[link.index("/unsubscribe/") :])
    expect(member_page.locator("h1")).to_have_text("Diese Mails abbestellen?")
    assert Profile.objects.get(user=otto).notify_orga_messages is True
    member_page.get_by_role("button", name="Diese Mails abbestellen").click()
    expect(member_page.locator("h1")).to_have_text("Erledigt: keine solchen Mails mehr")
    expect(member_page.locator("[role=status]")).to_contain_text(
        "Nachrichten vom Orga-Team"
    )
    member_page.screenshot(path=str(shots / "unsubscribed-de-390.png"), full_page=True)
    assert Profile.objects.get(user=otto).notify_orga_messages is False
    expect(member_page.get_by_role("button", name="Wieder einschalten")).to_be_visible()
    phone.close()


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots_of_the_composer_and_the_mail_choices(
    live_server, browser, make_event, tmp_path, language: str, width: int
) -> None:
    shots = shots_dir(tmp_path)
    orga = make_orga("olga@example.org", "Olga Orga")
    Profile.objects.filter(user=orga).update(
        notify_announcements=True, notify_orga_messages=True
    )
    make_event(
        title="Stammtisch im Oktober", starts_at=timezone.now() - timedelta(days=6)
    )
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="de-DE" if language == "de" else "en-GB",
    )
    page = context.new_page()
    base = live_server.url
    log_in(page, base, orga.email, "/me/emails/")
    page.screenshot(
        path=str(shots / f"mail-preferences-{language}-{width}.png"), full_page=True
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.goto(f"{base}/orga/messages/new/?segment=attended")
    page.fill("#id_subject", "Danke!")
    page.fill("#id_body", "Schön war's.")
    page.screenshot(
        path=str(shots / f"composer-{language}-{width}.png"), full_page=True
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("button[value=preview]").click()
    page.screenshot(
        path=str(shots / f"composer-preview-{language}-{width}.png"), full_page=True
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
