"""The door check-in by QR code on a 390 px phone, in headless Chromium.

Chromium on Linux has no BarcodeDetector and no camera, so the test gives the page
both: a camera whose picture is the member's real QR code (a PNG made by segno),
and a detector that answers with what zxing-cpp reads from that same PNG. The
page's own script then does the rest: start, detect, post, show the answer."""

import base64
import io
import os
import tempfile
from datetime import timedelta

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from events.models import RSVP
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the screenshots go: SCREENSHOTS=folder keeps them; else a temporary one.
SHOTS = os.environ.get("SCREENSHOTS") or tempfile.mkdtemp(prefix="somehub-shots-")

# A camera showing window.__qrImage, and a BarcodeDetector that "reads" whatever
# window.__qrText says is in the picture ("" = nothing in view).
FAKE_CAMERA_AND_DETECTOR = """
(() => {
  window.__qrText = "";
  window.__qrImage = "";
  class FakeBarcodeDetector {
    static async getSupportedFormats() { return ["qr_code", "ean_13"]; }
    constructor(options) { this.formats = options.formats; }
    async detect(source) {
      if (!(source instanceof HTMLVideoElement) || !window.__qrText) { return []; }
      return [{ format: "qr_code", rawValue: window.__qrText }];
    }
  }
  window.BarcodeDetector = FakeBarcodeDetector;
  navigator.mediaDevices.getUserMedia = async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 320; canvas.height = 240;
    const context = canvas.getContext("2d");
    const image = new Image();
    const draw = () => {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, 320, 240);
      if (window.__qrImage) {
        if (image.src !== window.__qrImage) { image.src = window.__qrImage; }
        if (image.complete) { context.drawImage(image, 80, 40, 160, 160); }
      }
    };
    draw();
    window.setInterval(draw, 100);
    return canvas.captureStream(10);
  };
})();
"""


def read_qr(png: bytes) -> str:
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


def show_code(page: Page, rsvp: RSVP | None) -> None:
    """Hold a member's code in front of the camera (None: take it away)."""
    if rsvp is None:
        page.evaluate("window.__qrText = ''")
        return
    png = rsvp.checkin_qr_png()
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    page.evaluate(
        "([text, image]) => { window.__qrImage = image; window.__qrText = text; }",
        [read_qr(png), data_url],
    )


def test_organizer_scans_a_members_code_on_a_phone(
    live_server, browser, make_event
) -> None:
    orga = make_orga("olga@example.org", "Olga Orga")
    start = timezone.localtime() + timedelta(minutes=30)
    event = make_event(title="Stammtisch mit QR", starts_at=start)
    later = make_event(title="Nächster Monat")
    mia = make_user("mia@example.org", name="Mia Muster")
    ben = make_user("ben@example.org", name="Ben Böhm")
    mia_rsvp = answer(event, mia)
    answer(event, ben)
    mia_later = answer(later, mia)

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="de-DE",
    )
    context.add_init_script(FAKE_CAMERA_AND_DETECTOR)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/orga/checkin/")
    page.fill("input[name=login]", orga.email)
    page.fill("input[name=password]", "correct horse")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{live_server.url}/orga/checkin/{event.slug}/")

    scanner = page.locator("[data-scan]")
    expect(scanner).to_be_visible()
    page.screenshot(path=f"{SHOTS}/checkin-scan-390-de-before.png", full_page=True)
    page.get_by_role("button", name="Kamera starten").click()
    result = page.locator("[data-scan-result]")
    expect(result).to_contain_text("Halte den Code")

    show_code(page, mia_rsvp)
    expect(result).to_have_text("Mia Muster ist eingecheckt. Willkommen!")
    expect(page.locator("[data-here-count]")).to_have_text("1")
    row_button = page.locator(f"#member-{mia.pk} .checkin-button")
    expect(row_button).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=f"{SHOTS}/checkin-scan-390-de-checked-in.png", full_page=True)
    # Held in view, the code is one scan.
    page.wait_for_timeout(1200)
    mia_rsvp.refresh_from_db()
    first = mia_rsvp.checked_in_at
    assert first is not None

    # Taken away and shown again: a second scan, "already here".
    show_code(page, None)
    page.wait_for_timeout(1800)
    show_code(page, mia_rsvp)
    expect(result).to_contain_text("Mia Muster ist schon da")
    mia_rsvp.refresh_from_db()
    assert mia_rsvp.checked_in_at == first
    expect(page.locator("[data-here-count]")).to_have_text("1")

    # A code for another evening is refused with its name.
    show_code(page, mia_later)
    expect(result).to_contain_text("Dieser Code gilt für einen anderen Abend")
    expect(result).to_contain_text("Nächster Monat")
    expect(result).to_have_class("checkin-scan-result is-error")
    page.screenshot(
        path=f"{SHOTS}/checkin-scan-390-de-wrong-evening.png", full_page=True
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    mia_later.refresh_from_db()
    assert mia_later.checked_in_at is None
    assert RSVP.objects.filter(checked_in_at__isnull=False).count() == 1
    page.get_by_role("button", name="Kamera stoppen").click()
    expect(page.locator("[data-scan-view]")).to_be_hidden()
    context.close()


def test_without_barcode_detector_the_search_is_the_way_in(
    live_server, page: Page, make_event
) -> None:
    orga = make_orga("olga@example.org", "Olga Orga")
    event = make_event(title="Ohne Scanner")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/?next=/orga/checkin/{event.slug}/")
    page.fill("input[name=login]", orga.email)
    page.fill("input[name=password]", "correct horse")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{live_server.url}/orga/checkin/{event.slug}/")
    expect(page.locator("[data-scan]")).to_be_hidden()
    expect(page.locator("#checkin-q")).to_be_visible()
