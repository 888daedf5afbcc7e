"""End to end in headless Chromium: find the next Stammtisch and take it home."""

import icalendar
import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_follows_next_event_and_downloads_its_ics(
    live_server, page: Page, make_event
):
    event = make_event(motto="Wie fange ich mit Social Media an?")
    make_event()
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("#SoMe Stammtisch Hannover")
    page.locator(".next-event-title a").click()
    expect(page).to_have_url(live_server.url + event.get_absolute_url())
    expect(page.locator(".event-motto")).to_contain_text("Wie fange ich")
    page.locator(".calendar-menu summary").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Als Datei (.ics)", exact=False).click()
    download = download_info.value
    assert download.suggested_filename == f"{event.slug}.ics"
    cal = icalendar.Calendar.from_ical(download.path().read_bytes())
    (item,) = cal.walk("VEVENT")
    assert str(item["UID"]) == event.uid


def test_language_switch_without_javascript(live_server, browser, make_event):
    make_event()
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.url + "/events/")
    expect(page.locator("h1")).to_have_text("Kommende Termine")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Upcoming dates")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()
