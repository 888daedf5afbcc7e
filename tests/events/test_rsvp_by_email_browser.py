"""End to end in headless Chromium at 390 px: a stranger says "I'm coming" from the
event page with an address and a code, or with the mailed link in another browser;
counted in form submissions and typed fields, in German and in English."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from events.models import RSVP, PendingRSVP
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
CODE = re.compile(r"\b([B-Z]{4}-[B-Z]{4})\b")
LINK = re.compile(r"https?://\S+(/events/[^/\s]+/rsvp/link/[^/\s]+/)")

WORDS = {
    "de": {
        "coming": "Ich komme",
        "waiting": "Auf die Warteliste",
        "confirm": "Bestätigen: Ich komme",
        "confirm_waiting": "Bestätigen: auf die Warteliste",
        "going": "Du bist dabei",
        "in": "Du bist dabei!",
        "link_button": "Ja, ich komme",
        "position": "Du stehst auf Platz 1 der Warteliste",
        "used": "Dieser Link gilt nicht mehr",
        "no_longer": "Dieser Code gilt nicht mehr",
    },
    "en": {
        "coming": "I'm coming",
        "waiting": "Join the waiting list",
        "confirm": "Confirm: I'm coming",
        "confirm_waiting": "Confirm and join the waiting list",
        "going": "You're going",
        "in": "You're in!",
        "link_button": "Yes, I'm coming",
        "position": "You are number 1 on the waiting list",
        "used": "This link no longer works",
        "no_longer": "This code no longer works",
    },
}


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    cache.clear()


class Visitor:
    """A phone's browser with no account, counting what its owner does."""

    def __init__(self, browser: Browser, live_url: str, language: str) -> None:
        self.context: BrowserContext = browser.new_context(
            locale="de-DE" if language == "de" else "en-GB",
            viewport={"width": 390, "height": 844},
        )
        self.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_url}]
        )
        # axe as an init script, which the pages' strict CSP does not apply to.
        self.context.add_init_script(path=str(AXE))
        self.page: Page = self.context.new_page()
        self.live_url = live_url
        self.submissions = 0
        self.typed = 0
        self.page.on("request", self._count)

    def _count(self, request: Any) -> None:
        # A form submission is a navigation that posts (the language switch aside).
        if (
            request.method == "POST"
            and request.is_navigation_request()
            and "/i18n/" not in request.url
        ):
            self.submissions += 1

    def open(self, path: str) -> None:
        self.page.goto(self.live_url + path)

    def type(self, selector: str, text: str) -> None:
        self.page.locator(selector).fill(text)
        self.typed += 1

    def close(self) -> None:
        self.context.close()


def answer_in_view(page: Page) -> None:
    """The answer is in the RSVP box, has the focus, and is on the screen."""
    feedback = page.locator("#rsvp .rsvp-feedback")
    expect(feedback).to_be_focused()
    expect(feedback).to_be_in_viewport()


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_stranger_rsvps_from_the_event_page_with_address_and_code(
    live_server: Any, browser: Browser, make_event: Any, mailoutbox: list, language: str
) -> None:
    words = WORDS[language]
    event = make_event(capacity=20)
    visitor = Visitor(browser, live_server.url, language)
    page = visitor.page
    visitor.open(event.get_absolute_url())
    box = page.locator("#rsvp")
    visitor.type("#rsvp-email", "nina@example.org")
    box.get_by_role("button", name=words["coming"]).click()

    # Same page, next step: the code field is focused and in view.
    expect(page.locator("#rsvp-code")).to_be_focused()
    expect(page.locator("#rsvp-code")).to_be_in_viewport()
    expect(box).to_contain_text("nina@example.org")
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    assert violations == [], [v["id"] for v in violations]

    code = CODE.search(mailoutbox[0].subject).group(1)
    visitor.type("#rsvp-code", code)
    box.get_by_role("button", name=words["confirm"]).click()

    expect(page).to_have_url(re.compile(re.escape(event.get_absolute_url()) + "#rsvp$"))
    answer_in_view(page)
    expect(box.locator(".rsvp-feedback")).to_contain_text(words["in"])
    expect(box.locator(".pill-going")).to_have_text(words["going"])
    assert (visitor.submissions, visitor.typed) == (2, 2)
    member = User.objects.get(email="nina@example.org")
    assert RSVP.objects.get(event=event, member=member).is_going
    visitor.close()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_mailed_link_in_a_second_browser_lands_going_on_the_event(
    live_server: Any, browser: Browser, make_event: Any, mailoutbox: list, language: str
) -> None:
    words = WORDS[language]
    event = make_event(capacity=20)
    phone = Visitor(browser, live_server.url, language)
    phone.open(event.get_absolute_url())
    phone.type("#rsvp-email", "lea@example.org")
    phone.page.locator("#rsvp").get_by_role("button", name=words["coming"]).click()
    expect(phone.page.locator("#rsvp-code")).to_be_visible()

    # The mail app's browser: nothing shared with the first one.
    mail_app = Visitor(browser, live_server.url, language)
    mail_app.open(LINK.search(mailoutbox[0].body).group(1))
    assert not RSVP.objects.exists()  # opening the link alone does nothing
    mail_app.page.get_by_role("button", name=words["link_button"]).click()

    page = mail_app.page
    expect(page).to_have_url(re.compile(re.escape(event.get_absolute_url()) + "#rsvp$"))
    answer_in_view(page)
    expect(page.locator("#rsvp .pill-going")).to_have_text(words["going"])
    submissions = phone.submissions + mail_app.submissions
    assert (submissions, phone.typed + mail_app.typed) == (2, 1)
    assert RSVP.objects.get(event=event, member__email="lea@example.org").is_going
    phone.close()
    mail_app.close()


def test_a_full_evening_puts_the_stranger_on_the_waiting_list_with_position(
    live_server: Any, browser: Browser, make_event: Any, mailoutbox: list
) -> None:
    words = WORDS["de"]
    event = make_event(capacity=1)
    event.rsvp(make_user("first@example.org", name="Erika Early"))
    mailoutbox.clear()
    visitor = Visitor(browser, live_server.url, "de")
    visitor.open(event.get_absolute_url())
    box = visitor.page.locator("#rsvp")
    expect(box.get_by_role("button", name=words["coming"])).to_have_count(0)
    visitor.type("#rsvp-email", "max@example.org")
    box.get_by_role("button", name=words["waiting"]).click()
    visitor.type("#rsvp-code", CODE.search(mailoutbox[0].subject).group(1))
    box.get_by_role("button", name=words["confirm_waiting"]).click()

    answer_in_view(visitor.page)
    expect(box.locator(".rsvp-feedback")).to_contain_text("Platz 1 der Warteliste")
    expect(box.locator(".pill-waiting")).to_have_text(words["position"])
    assert (visitor.submissions, visitor.typed) == (2, 2)
    visitor.close()


def test_an_existing_member_rsvps_through_the_same_box(
    live_server: Any, browser: Browser, make_event: Any, member: User, mailoutbox: list
) -> None:
    words = WORDS["en"]
    event = make_event()
    visitor = Visitor(browser, live_server.url, "en")
    visitor.open(event.get_absolute_url())
    box = visitor.page.locator("#rsvp")
    visitor.type("#rsvp-email", member.email)
    box.get_by_role("button", name=words["coming"]).click()
    visitor.type("#rsvp-code", CODE.search(mailoutbox[0].subject).group(1))
    box.get_by_role("button", name=words["confirm"]).click()

    answer_in_view(visitor.page)
    expect(box.locator(".pill-going")).to_have_text(words["going"])
    # Their own account: the name they chose is on the list of who is coming.
    expect(visitor.page.locator(".attendees")).to_contain_text("Mia Muster")
    assert User.objects.count() == 1
    visitor.close()


def test_a_used_or_expired_pending_rsvp_does_nothing_twice(
    live_server: Any, browser: Browser, make_event: Any, mailoutbox: list
) -> None:
    words = WORDS["en"]
    event = make_event()
    phone = Visitor(browser, live_server.url, "en")
    phone.open(event.get_absolute_url())
    phone.type("#rsvp-email", "lea@example.org")
    phone.page.locator("#rsvp").get_by_role("button", name=words["coming"]).click()
    code = CODE.search(mailoutbox[0].subject).group(1)
    link = LINK.search(mailoutbox[0].body).group(1)

    laptop = Visitor(browser, live_server.url, "en")
    laptop.open(link)
    laptop.page.get_by_role("button", name=words["link_button"]).click()
    expect(laptop.page.locator("#rsvp .pill-going")).to_be_visible()

    # The link again, in a third browser: it says so, and has no button.
    third = Visitor(browser, live_server.url, "en")
    third.open(link)
    expect(third.page.locator("h1")).to_have_text(words["used"])
    expect(third.page.get_by_role("button", name=words["link_button"])).to_have_count(0)
    # The code in the first browser: back to the address box, nobody logged in.
    phone.type("#rsvp-code", code)
    phone.page.locator("#rsvp").get_by_role("button", name=words["confirm"]).click()
    expect(phone.page.locator("#rsvp")).to_contain_text("has been used already")
    expect(phone.page.locator("#rsvp-email")).to_be_visible()
    assert RSVP.objects.count() == 1

    # An expired one: neither the code nor the link does anything.
    phone.type("#rsvp-email", "max@example.org")
    phone.page.locator("#rsvp").get_by_role("button", name=words["coming"]).click()
    now = timezone.now()
    PendingRSVP.objects.filter(email="max@example.org").update(
        created_at=now - timedelta(hours=2), expires_at=now - timedelta(hours=1)
    )
    phone.type("#rsvp-code", CODE.search(mailoutbox[-1].subject).group(1))
    phone.page.locator("#rsvp").get_by_role("button", name=words["confirm"]).click()
    expect(phone.page.locator("#rsvp")).to_contain_text(words["no_longer"])
    third.open(LINK.search(mailoutbox[-1].body).group(1))
    expect(third.page.locator("h1")).to_have_text(words["used"])
    assert not User.objects.filter(email="max@example.org").exists()
    for visitor in (phone, laptop, third):
        visitor.close()


def test_the_box_works_without_javascript(
    live_server: Any, browser: Browser, make_event: Any, mailoutbox: list
) -> None:
    event = make_event()
    context = browser.new_context(
        java_script_enabled=False,
        locale="de-DE",
        viewport={"width": 320, "height": 700},
    )
    page = context.new_page()
    page.goto(live_server.url + event.get_absolute_url())
    page.locator("#rsvp-email").fill("ohne-js@example.org")
    page.locator("#rsvp").get_by_role("button", name="Ich komme").click()
    page.locator("#rsvp-code").fill(CODE.search(mailoutbox[0].subject).group(1))
    page.locator("#rsvp").get_by_role("button", name="Bestätigen: Ich komme").click()
    expect(page.locator("#rsvp .pill-going")).to_have_text("Du bist dabei")
    expect(page.locator("#rsvp .rsvp-feedback")).to_contain_text("Du bist dabei!")
    context.close()
