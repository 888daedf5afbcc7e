"""End to end in headless Chromium: an organizer creates and publishes a date in the
admin, finds it on the home page, and checks a member in at the door on a phone."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import RSVP, Event, EventStatus
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, email: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "correct horse")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{base}{next_url}")


def test_organizer_publishes_a_date_and_checks_a_member_in_on_a_phone(
    live_server, page: Page, venue
) -> None:
    make_orga("olga@example.org", "Olga Orga")
    mia = make_user("mia@example.org", name="Mia Muster")
    base = live_server.url
    day = timezone.localdate() + timedelta(days=1)

    log_in(page, base, "olga@example.org", "/admin/events/event/add/")
    page.fill("#id_title", "Stammtisch im Wintergarten")
    page.fill("#id_motto", "Kommentare, Kritik, Shitstorm")
    for field, clock in [("starts_at", "19:00"), ("ends_at", "22:00")]:
        page.fill(f"#id_{field}_0", day.strftime("%d.%m.%Y"))
        page.fill(f"#id_{field}_1", clock)
    page.select_option("#id_venue", label="La Sall")
    page.fill("#id_capacity", "20")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("Stammtisch im Wintergarten")
    event = Event.objects.get(title="Stammtisch im Wintergarten")
    assert event.status == EventStatus.DRAFT

    page.locator(f"input[name=_selected_action][value='{event.pk}']").check()
    page.select_option("select[name=action]", "publish_events")
    page.locator("button[name=index]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("1")
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED

    page.goto(base + "/")
    expect(page.locator(".next-event-title")).to_contain_text(
        "Stammtisch im Wintergarten"
    )

    answer(event, mia)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/orga/checkin/{event.slug}/")
    expect(page.locator("h1")).to_have_text("Stammtisch im Wintergarten")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    here = page.get_by_role("button", name=re.compile("Mia Muster"))
    expect(here).to_have_attribute("aria-pressed", "false")
    here.click()
    expect(here).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-here-count]")).to_have_text("1")
    assert RSVP.objects.get(event=event, member=mia).checked_in_at is not None


def test_check_in_works_without_javascript(live_server, browser, make_event) -> None:
    make_orga("olga@example.org", "Olga Orga")
    event = make_event(title="Ohne Skript")
    mia = make_user("mia@example.org", name="Mia Muster")
    answer(event, mia)
    context = browser.new_context(
        java_script_enabled=False,
        locale="de-DE",
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    log_in(page, live_server.url, "olga@example.org", f"/orga/checkin/{event.slug}/")
    page.get_by_role("button", name=re.compile("Mia Muster")).click()
    expect(page.get_by_role("button", name=re.compile("Mia Muster"))).to_have_attribute(
        "aria-pressed", "true"
    )
    page.fill("#checkin-q", "walt")
    make_user("walter@example.org", name="Walter Walk-in")
    page.locator("#checkin-q").press("Enter")
    page.get_by_role("button", name=re.compile("Walter Walk-in")).click()
    expect(
        page.get_by_role("button", name=re.compile("Walter Walk-in"))
    ).to_have_attribute("aria-pressed", "true")
    context.close()


AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
AXE_ALL = "async () => await axe.run(document, {resultTypes: ['violations']})"
AXE_CONTRAST = (
    "async () => await axe.run(document, {runOnly: ['color-contrast'],"
    " resultTypes: ['violations']})"
)


def test_organizer_pages_pass_axe_in_light_and_dark(
    live_server, browser, make_event, client
) -> None:
    orga = make_orga("olga@example.org", "Olga Orga")
    event = make_event(title="Barrierefrei")
    answer(event, make_user("mia@example.org", name="Mia Muster"))
    make_user("walter@example.org", name="Walter Walk-in")
    make_event(title="Vorbei", starts_at=timezone.now() - timedelta(days=30))
    client.force_login(orga)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    paths = [
        "/orga/",
        f"/orga/checkin/{event.slug}/",
        f"/orga/checkin/{event.slug}/?q=wal",
        f"/orga/events/{event.slug}/message/",
        event.get_absolute_url(),
    ]
    problems = []
    for scheme in ["light", "dark"]:
        context = browser.new_context(
            locale="de-DE", color_scheme=scheme, viewport={"width": 390, "height": 844}
        )
        context.add_init_script(path=str(AXE))  # init scripts are outside the CSP
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        for path in paths:
            page.goto(live_server.url + path)
            result = page.evaluate(AXE_ALL if scheme == "light" else AXE_CONTRAST)
            problems += [(scheme, path, v["id"]) for v in result["violations"]]
        context.close()
    assert not problems
