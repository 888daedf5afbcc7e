"""End to end in headless Chromium: from a wish to a talk on the evening's agenda."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from impulses.models import Proposal, ProposalStatus
from tests.impulses.conftest import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_for(browser: Browser, live_server, user: User | None) -> Page:
    """A browser tab in English, logged in as `user` through a real session cookie."""
    context = browser.new_context(
        locale="en-GB", extra_http_headers={"Accept-Language": "en"}
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )
    return context.new_page()


def test_a_wish_becomes_a_talk_on_the_event_page(
    live_server, browser, make_event, member, stranger, third
):
    event = make_event(motto="Kritik im Netz")
    url = live_server.url

    # Mia wishes for a topic.
    mia = page_for(browser, live_server, member)
    mia.goto(url + "/impulse/wishes/new/")
    mia.fill("#id_title", "How do I answer negative posts on our Facebook page?")
    mia.fill("#id_context", "Our boss wants to switch visitor posts off.")
    mia.get_by_role("button", name="Add my wish").click()
    expect(mia.locator("h1")).to_have_text(
        "How do I answer negative posts on our Facebook page?"
    )

    # Sam upvotes it from the wish list, without any JavaScript needed.
    sam = page_for(browser, live_server, stranger)
    sam.goto(url + "/impulse/wishes/")
    wish = sam.locator(".wish").filter(has_text="negative posts")
    expect(wish.locator(".wish-count")).to_have_text("0")
    wish.get_by_role("button", name="Vote").click()
    expect(wish.locator(".wish-count")).to_have_text("1")
    expect(wish.get_by_role("button", name="Voted")).to_be_visible()

    # Tia proposes an Impuls for it.
    tia = page_for(browser, live_server, third)
    tia.goto(url + "/impulse/wishes/")
    tia.get_by_role("link", name="How do I answer negative posts").click()
    tia.get_by_role("link", name="Propose an Impuls on this").click()
    tia.fill("#id_title", "Answering critics in public")
    tia.fill(
        "#id_abstract", "Three replies that calm things down, and one that never does."
    )
    tia.get_by_label("15 minutes").check()
    tia.locator(f'input[name="preferred_events"][value="{event.pk}"]').check()
    tia.fill("#id_private_note", "I can bring a projector.")
    tia.get_by_role("button", name="Send my proposal").click()
    expect(tia.locator("h1")).to_have_text("My proposals")
    expect(tia.locator(".proposal-card")).to_contain_text("Submitted")

    # The Orga-Team accepts and schedules it (in the admin; here by the model).
    proposal = Proposal.objects.get()
    assert proposal.wish.title.startswith("How do I answer")
    proposal.accept("Great topic!")
    proposal.schedule(event, at(event, 20))
    assert Proposal.objects.get().status == ProposalStatus.SCHEDULED

    # Anyone sees it on the event page; the private note stays private.
    visitor = page_for(browser, live_server, None)
    visitor.goto(url + event.get_absolute_url())
    agenda = visitor.locator(".agenda")
    expect(agenda).to_contain_text("Answering critics in public")
    expect(agenda).to_contain_text("Tia Dritte")
    expect(agenda).to_contain_text("15 minutes")
    expect(visitor.locator("body")).not_to_contain_text("I can bring a projector.")
    agenda.get_by_role("link", name="Answering critics in public").click()
    expect(visitor.locator("h1")).to_have_text("Answering critics in public")
    for tab in (mia, sam, tia, visitor):
        tab.context.close()
