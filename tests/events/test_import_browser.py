"""End to end in Chromium: an organizer imports the old blog in the admin and
finds the recaps with their comments on the site."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from events.models import Recap
from tests.events.import_support import THEME_UNIT_TEST
from tests.events.test_recaps_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the screenshots go (SCREENSHOTS=folder to keep them; else the test's tmp).
SCREENSHOT_DIR = os.environ.get("SCREENSHOTS", "")


@pytest.mark.frozen("2026-06-01T12:00")
def test_organizer_uploads_reads_the_dry_run_confirms_and_sees_the_recaps(
    browser, live_server, organizer, tmp_path
) -> None:
    cache.clear()
    shots = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    context = log_in(browser, live_server, organizer)
    page = context.new_page()
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="Altes Blog importieren").click()
    page.set_input_files("input[name=export]", str(THEME_UNIT_TEST))
    page.get_by_role("button", name="Datei prüfen").click()

    # The dry run: what would happen, nothing saved yet.
    assert "Probelauf" in page.locator("#content-main").inner_text()
    summary = page.locator("#content-main table").first.inner_text()
    assert "Rückblicke" in summary and "58" in summary
    assert "Pingback" in page.locator("#content-main").inner_text()
    page.screenshot(path=str(shots / "import-dry-run-de-1280.png"), full_page=True)
    assert not Recap.objects.exists()

    page.get_by_role("button", name="Jetzt importieren").click()
    assert "Importiert" in page.locator(".messagelist").inner_text()
    assert Recap.objects.count() == 58

    page.get_by_role("link", name="Rückblicke auf der Website").click()
    assert "WP 6.1 Font size scale" in page.locator("main").inner_text()

    recap = Recap.objects.get(slug="template-comments")
    for width in (390, 1280):
        visitor = browser.new_context(
            locale="de-DE", viewport={"width": width, "height": 900}
        )
        reader = visitor.new_page()
        reader.goto(live_server.url + recap.get_absolute_url())
        comments = reader.locator("#comments")
        assert "Comment Depth 10" in comments.inner_text()
        assert "antwortet Fred Bloggs" in comments.inner_text()
        assert comments.locator(".pill-guest").count() > 5
        # Nothing sideways on a phone.
        assert reader.evaluate("document.documentElement.scrollWidth") <= width
        reader.screenshot(
            path=str(shots / f"imported-recap-thread-de-{width}.png"), full_page=True
        )
        visitor.close()
    context.close()
