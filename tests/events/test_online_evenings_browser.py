"""A hybrid evening in headless Chromium: what a visitor sees (no link), and a
member who chooses online and then finds the link on the page."""

import os
import tempfile
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from events.models import RSVP
from events.models.status import Attendance, AttendanceMode
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the screenshots go: SCREENSHOTS=folder keeps them; else a temporary one.
SHOTS = os.environ.get("SCREENSHOTS") or tempfile.mkdtemp(prefix="somehub-shots-")
LINK = "https://meet.example.org/geheim-raum-7f3kq9x2"


@pytest.mark.parametrize(
    ("width", "language"), [(390, "de-DE"), (1280, "en-GB")], ids=["390-de", "1280-en"]
)
def test_member_joins_a_hybrid_evening_online(
    live_server, browser: Browser, make_event, width, language
) -> None:
    event = make_event(
        title="Hybrider Stammtisch",
        motto="LinkedIn-Algorithmus 2027",
        attendance_mode=AttendanceMode.HYBRID,
        online_url=LINK,
        capacity=12,
        online_capacity=30,
        starts_at=timezone.localtime().replace(hour=19, minute=0, second=0)
        + timedelta(days=5),
    )
    for n in range(5):
        event.rsvp(make_user(f"room{n}@example.org", name=f"Raum {n}"))
    event.rsvp(make_user("web@example.org", name="Web"), Attendance.ONLINE)
    mia = make_user("mia@example.org", name="Mia Muster")
    tag = f"{width}-{language[:2]}"

    visitor = browser.new_context(
        viewport={"width": width, "height": 900}, locale=language
    )
    page = visitor.new_page()
    page.goto(live_server.url + event.get_absolute_url())
    expect(page.locator("h1")).to_have_text("Hybrider Stammtisch")
    assert "geheim-raum" not in page.content()
    page.screenshot(path=f"{SHOTS}/hybrid-visitor-{tag}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    visitor.close()

    member = browser.new_context(
        viewport={"width": width, "height": 900}, locale=language
    )
    page = member.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={event.get_absolute_url()}")
    page.fill("input[name=login]", mia.email)
    page.fill("input[name=password]", "correct horse")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{live_server.url}{event.get_absolute_url()}")
    assert "geheim-raum" not in page.content()
    online = "Ich bin online dabei" if language == "de-DE" else "I'm joining online"
    page.get_by_role("button", name=online).click()
    join = "Zum Videocall" if language == "de-DE" else "Join the video call"
    expect(page.get_by_role("link", name=join)).to_have_attribute("href", LINK)
    page.screenshot(path=f"{SHOTS}/hybrid-member-online-{tag}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert RSVP.objects.get(event=event, member=mia).attendance == Attendance.ONLINE
    member.close()
