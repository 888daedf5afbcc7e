"""An organizer's month in the admin, in German at 1280 px: a new time asks
first (who gets what, the mail as it arrives) and then mails each person once;
cancelling with a reason; taking it back tells those still going; the to-do list
shows a report and a draft. Screenshots go to SOMEHUB_SHOTS when it is set."""

import os
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import Event, EventStatus, RSVPStatus
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga
from tests.events.recap_support import comment, make_recap, past_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SOMEHUB_SHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def log_in(page: Page, base: str, email: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "correct horse")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{base}{next_url}")


def run_action(page: Page, base: str, event: Event, action: str) -> None:
    page.goto(f"{base}/admin/events/event/")
    page.locator(f"input[name=_selected_action][value='{event.pk}']").check()
    page.select_option("select[name=action]", action)
    page.locator("button[name=index]").first.click()


def test_an_organizers_month_asks_before_it_mails(
    live_server, page: Page, make_event, mailoutbox, member, stranger
) -> None:
    make_orga("olga@example.org", "Olga Orga")
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    event = make_event(
        title="Stammtisch im Wintergarten",
        starts_at=start,
        capacity=3,
        published_at=timezone.now(),
    )
    going = [member, stranger, make_user("kai@example.org", name="Kai Kanzlei")]
    for person in going:
        answer(event, person)
    answer(
        event,
        make_user("wanda@example.org", name="Wanda Warte"),
        RSVPStatus.WAITING,
        waiting_since=timezone.now(),
    )
    answer(event, make_user("nina@example.org", name="Nina Nein"), "not_going")
    waiting = {"wanda@example.org"}
    told = {p.email for p in going} | waiting
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})

    # A new time: the change form leads to the confirmation page.
    log_in(page, base, "olga@example.org", f"/admin/events/event/{event.pk}/change/")
    page.fill("#id_starts_at_1", "20:00")
    page.locator("input[name=_save]").click()
    expect(page.locator("h1")).to_contain_text("Zeit oder Ort ändern")
    expect(page.locator(".recipients-count")).to_contain_text("4 Personen")
    expect(page.locator(".mail-preview-body")).to_contain_text("20:00")
    expect(page.locator(".mail-preview-body")).to_contain_text("19:00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shot(page, "admin-reschedule-confirm-de-1280")
    assert mailoutbox == []
    page.locator("input[name=confirm]").click()
    expect(page.locator(".messagelist")).to_contain_text("verschoben")
    event.refresh_from_db()
    assert timezone.localtime(event.starts_at).hour == 20
    assert Counter(m.to[0] for m in mailoutbox) == Counter(told)  # one each
    mailoutbox.clear()

    # Cancelling asks for the reason and shows the mail.
    run_action(page, base, event, "cancel_events")
    expect(page.locator(".recipients-count")).to_contain_text("4 Personen")
    expect(page.locator(".mail-preview")).to_be_visible()
    shot(page, "admin-cancel-confirm-de-1280")
    page.fill("#id_reason", "Die Kneipe hat einen Wasserschaden.")
    page.locator("input[type=submit].default").click()
    expect(page.locator(".messagelist")).to_contain_text("abgesagt")
    assert Counter(m.to[0] for m in mailoutbox) == Counter(told)
    assert all("Wasserschaden" in m.body for m in mailoutbox)
    mailoutbox.clear()

    # Taking it back tells those still going (and waiting).
    run_action(page, base, event, "reinstate_events")
    expect(page.locator(".recipients-count")).to_contain_text("4 Personen")
    shot(page, "admin-reinstate-confirm-de-1280")
    page.locator("input[type=submit].default").click()
    expect(page.locator(".messagelist")).to_contain_text("doch statt")
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    assert Counter(m.to[0] for m in mailoutbox) == Counter(told)
    assert all(
        "findet doch statt" in m.subject.lower() or "Findet doch statt" in m.subject
        for m in mailoutbox
    )


def test_the_to_do_list_shows_a_report_and_a_draft(
    live_server, page: Page, make_event, member, stranger
) -> None:
    make_orga("olga@example.org", "Olga Orga")
    draft = make_event(title="Entwurf für Februar", status=EventStatus.DRAFT)
    recap = make_recap(past_event(make_event), title="So war der Kick-off")
    said = comment(recap, member, "Das war doch alles Quatsch hier.")
    said.report(stranger, "Unfreundlich")
    full = make_event(title="Voller Abend", capacity=1)
    answer(full, make_user("g@example.org", name="Gerda Gast"))
    answer(
        full,
        make_user("h@example.org", name="Hans Hoffnung"),
        RSVPStatus.WAITING,
        waiting_since=timezone.now(),
    )
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, "olga@example.org", "/orga/")
    todo = page.locator(".orga-todo")
    expect(todo).to_contain_text("Gemeldete Kommentare")
    expect(todo).to_contain_text("Das war doch alles Quatsch hier.")
    expect(todo).to_contain_text("Entwürfe zum Veröffentlichen")
    expect(todo).to_contain_text("Entwurf für Februar")
    shot(page, "orga-todo-de-1280")
    todo.get_by_role("link", name="Prüfen und veröffentlichen").first.click()
    page.wait_for_url(f"{base}/admin/events/event/{draft.pk}/change/")
    page.goto(f"{base}/orga/")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "orga-todo-de-390")
    page.goto(f"{base}/orga/events/{full.slug}/waiting/")
    shot(page, "orga-waiting-de-390")
    page.get_by_role(
        "button", name=re.compile("Nachrücken lassen.*Hans Hoffnung")
    ).click()
    expect(page.locator("body")).to_contain_text("hat jetzt einen Platz")
    # The recap marks the reported comment for the Orga-Team.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}{recap.get_absolute_url()}")
    expect(page.locator(".pill-reported")).to_contain_text("Gemeldet")
    shot(page, "recap-reported-de-1280")
    # The moderation list fits at 1280 px: no column cut off.
    page.goto(f"{base}/admin/events/comment/")
    fits = "(r => r.scrollWidth <= r.clientWidth)(document.querySelector('.results'))"
    assert page.evaluate(fits)
    shot(page, "admin-comments-de-1280")


def test_the_admin_fills_slugs_with_readable_umlauts(live_server, page: Page) -> None:
    make_orga("olga@example.org", "Olga Orga")
    log_in(page, live_server.url, "olga@example.org", "/admin/events/series/add/")
    page.locator("#id_name").press_sequentially("Gespräche über Öffentlichkeit")
    expect(page.locator("#id_slug")).to_have_value("gespraeche-ueber-oeffentlichkeit")
