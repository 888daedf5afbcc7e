"""An organizer's whole month, end to end in headless Chromium and in German: a
new date is published and announced to those who asked; members answer; the time
changes (who gets what, the mail as it arrives, then one mail each); at the door
the members' QR codes are scanned on a 390 px phone; the recap goes up, a member
adds a photo and the Orga-Team approves it; a message to those who were there
goes out once, even after Back and "send" again."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Profile, User
from events.models import RSVP, Event, EventStatus, Mailing, RecapPhoto
from events.models.recap import PhotoReview
from tests.conftest import make_user
from tests.events.orga_support import make_orga
from tests.events.recap_support import make_recap
from tests.events.test_attendee_photos import upload
from tests.events.test_checkin_code_browser import FAKE_CAMERA_AND_DETECTOR, show_code
from tests.events.test_orga_browser import log_in
from tests.mail_support import addresses

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def run_action(page: Page, base: str, path: str, pk: int, action: str) -> None:
    page.goto(f"{base}{path}")
    page.locator(f"input[name=_selected_action][value='{pk}']").check()
    page.select_option("select[name=action]", action)
    page.locator("button[name=index]").first.click()


def mails_to(subject_part: str) -> Counter[str]:
    """How many mails whose subject has these words went to each address."""
    return Counter(
        address
        for message in mail.outbox
        if subject_part in message.subject
        for address in addresses(message)
    )


def scan_at_the_door(browser: Browser, base: str, event: Event, rsvp: RSVP) -> None:
    """The organizer's phone at the door: the camera sees the member's code."""
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="de-DE",
    )
    phone.add_init_script(FAKE_CAMERA_AND_DETECTOR)
    page = phone.new_page()
    log_in(page, base, "olga@example.org", f"/orga/checkin/{event.slug}/")
    page.get_by_role("button", name="Kamera starten").click()
    show_code(page, rsvp)
    result = page.locator("[data-scan-result]")
    expect(result).to_contain_text("ist eingecheckt")
    expect(page.locator("[data-here-count]")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def test_an_organizers_month(live_server, browser: Browser, make_event) -> None:
    make_orga("olga@example.org", "Olga Orga")
    mia = make_user("mia@example.org", name="Mia Muster")
    ben = make_user("ben@example.org", name="Ben Böhm")
    nora = make_user("nora@example.org", name="Nora Neu")
    quiet = make_user("quiet@example.org", name="Quentin Still")
    Profile.objects.filter(user__in=[mia, ben, nora]).update(
        notify_announcements=True, notify_orga_messages=True
    )
    Profile.objects.filter(user=quiet).update(notify_announcements=False)
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    event = make_event(
        title="Stammtisch im Wintergarten", starts_at=start, status=EventStatus.DRAFT
    )
    base = live_server.url
    page = browser.new_page(viewport=DESKTOP, locale="de-DE")
    mail.outbox.clear()

    # 1. Publish the draft: those who asked for new dates hear of it, once.
    log_in(page, base, "olga@example.org", "/admin/events/event/")
    run_action(page, base, "/admin/events/event/", event.pk, "publish_events")
    expect(page.locator(".messagelist")).to_contain_text("1")
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    announced = {"mia@example.org", "ben@example.org", "nora@example.org"}
    assert mails_to("Neuer Termin") == Counter(announced)

    # 2. Two members say yes (each gets the confirmation with the door code).
    mail.outbox.clear()
    event.rsvp(mia)
    event.rsvp(ben)
    assert set(mails_to("Du bist dabei")) == {"mia@example.org", "ben@example.org"}

    # 3. A new time: the organizer sees who gets which mail before it goes.
    mail.outbox.clear()
    page.goto(f"{base}/admin/events/event/{event.pk}/change/")
    page.fill("#id_starts_at_1", "20:00")
    page.locator("input[name=_save]").click()
    expect(page.locator("h1")).to_contain_text("Zeit oder Ort ändern")
    expect(page.locator(".recipients-count")).to_contain_text("2 Personen")
    expect(page.locator(".mail-preview-body")).to_contain_text("20:00")
    assert mail.outbox == []
    page.locator("input[name=confirm]").click()
    expect(page.locator(".messagelist")).to_contain_text("verschoben")
    assert mails_to("Geändert") == Counter(["mia@example.org", "ben@example.org"])

    # 4. At the door, on a phone: Mia's code is scanned; Ben does not come.
    mia_rsvp = RSVP.objects.get(event=event, member=mia)
    scan_at_the_door(browser, base, event, mia_rsvp)
    mia_rsvp.refresh_from_db()
    assert mia_rsvp.checked_in_at is not None

    # The evening is over; the next morning:
    event.refresh_from_db()
    with time_machine.travel(event.ends_at + timedelta(hours=12), tick=True):
        after_the_evening(page, base, event, mia)
    page.close()


def after_the_evening(page: Page, base: str, event: Event, mia: User) -> None:
    # 5. The recap goes up; Mia adds a photo; the Orga-Team approves it.
    recap = make_recap(event)
    member = Client()
    member.force_login(mia)
    assert upload(member, recap, alt="Die Runde am Tresen").status_code == 302
    photo = RecapPhoto.objects.get(contributor=mia)
    assert photo.review == PhotoReview.PENDING
    page.goto(f"{base}/orga/")
    expect(page.get_by_text("Die Runde am Tresen").first).to_be_visible()
    run_action(
        page,
        base,
        "/admin/events/recapphoto/?review__exact=pending",
        photo.pk,
        "approve_photos",
    )
    expect(page.locator(".messagelist")).to_contain_text("freigegeben")
    photo.refresh_from_db()
    assert photo.review == PhotoReview.APPROVED
    page.goto(f"{base}{recap.get_absolute_url()}")
    expect(page.locator("img[alt='Die Runde am Tresen']").first).to_be_attached()

    # 6. A thank-you to those who were there: once, however often it is sent.
    mail.outbox.clear()
    page.goto(f"{base}/orga/messages/new/")
    page.select_option("#id_segment", "attended")
    page.select_option("#id_event", str(event.pk))
    page.fill("#id_subject", "Danke fürs Kommen!")
    page.fill("#id_body", "Schön, dass ihr da wart. Die **Fotos** sind online.")
    page.get_by_role("button", name="Vorschau").click()
    expect(page.locator("h1")).to_have_text("An 1 Person senden?")
    page.get_by_role("button", name="An 1 Person senden").click()
    expect(page.locator("h1")).to_have_text("Gesendete Nachrichten")
    page.go_back()
    send_again = page.get_by_role("button", name="An 1 Person senden")
    if send_again.count():
        send_again.click()
        expect(page.locator("h1")).to_have_text("Gesendete Nachrichten")
    assert mails_to("Danke fürs Kommen") == Counter(["mia@example.org"])
    assert Mailing.objects.filter(subject="Danke fürs Kommen!").count() == 1
