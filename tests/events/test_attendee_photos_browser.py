"""Attendees' photos end to end in headless Chromium: a member who was there adds
a photo on a phone, an organizer approves it in the German admin, and visitors see
it on the recap."""

import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, expect

from events.models import RecapPhoto
from events.models.recap import PhotoReview
from tests.events.orga_support import make_orga
from tests.events.recap_support import attendee, make_recap, past_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the screenshots go: SCREENSHOTS=folder keeps them; else a temporary one.
SHOTS = os.environ.get("SCREENSHOTS") or tempfile.mkdtemp(prefix="somehub-shots-")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def log_in(page, base: str, email: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "correct horse")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{base}{next_url}")


def test_member_adds_a_photo_and_the_orga_team_approves_it(
    live_server, browser: Browser, make_event, tmp_path: Path
) -> None:
    recap = make_recap(past_event(make_event), title="Rückblick: Kommentare, Kritik")
    member = attendee(recap.event, 1, name="Anna Anwesend", checked_in=True).member
    make_orga("olga@example.org", "Olga Orga")
    photo_file = tmp_path / "abend.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (181, 57, 28)).save(buffer, "JPEG")
    photo_file.write_bytes(buffer.getvalue())
    base = live_server.url

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = phone.new_page()
    log_in(page, base, member.email, recap.get_absolute_url())
    page.set_input_files("#photo-image", str(photo_file))
    page.fill("#photo-alt_text", "Die Runde am langen Tisch im La Sall")
    page.get_by_role("button", name="Foto hinzufügen").click()
    expect(page.locator(".your-photo")).to_contain_text("Wartet auf Freigabe")
    expect(page.get_by_text("Danke! Dein Foto wird gezeigt")).to_be_visible()
    page.locator("#your-photos").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/photo-upload-390-de.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    photo = RecapPhoto.objects.get()
    assert photo.review == PhotoReview.PENDING
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = desk.new_page()
    log_in(page, base, "olga@example.org", "/orga/")
    # On the to-do list, with the link to the photos awaiting approval.
    to_approve = page.get_by_role("link", name=re.compile("Freigeben oder ablehnen"))
    expect(to_approve).to_have_count(1)
    to_approve.click()
    expect(page.locator("#result_list")).to_contain_text(
        "Die Runde am langen Tisch im La Sall"
    )
    page.locator(f"input[name=_selected_action][value='{photo.pk}']").check()
    page.select_option("select[name=action]", "approve_photos")
    page.screenshot(path=f"{SHOTS}/photo-approval-1280-de.png", full_page=True)
    page.locator("button[name=index]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("1 Foto freigegeben")
    page.screenshot(path=f"{SHOTS}/photo-approved-1280-de.png", full_page=True)
    desk.close()

    visitor = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE"
    )
    page = visitor.new_page()
    page.goto(base + recap.get_absolute_url())
    expect(page.locator(".gallery img")).to_have_attribute(
        "alt", "Die Runde am langen Tisch im La Sall"
    )
    visitor.close()
