"""End to end in Chromium: comment, reply, and an organizer hiding a comment."""

import pytest
from django.core.cache import cache
from django.test import Client

from events.models import Comment
from tests.events.recap_support import make_recap, past_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, user):
    """A browser context carrying the session of `user`."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="de-DE")
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def test_member_comments_and_replies_then_an_organizer_hides_the_reply(
    browser, live_server, make_event, member, stranger, organizer
) -> None:
    cache.clear()
    recap = make_recap(
        past_event(make_event), author=organizer, title="Der Abend im La Sall"
    )
    url = live_server.url + recap.get_absolute_url()

    contexts = [log_in(browser, live_server, u) for u in (member, organizer, stranger)]
    page = contexts[0].new_page()
    page.goto(url)
    page.fill("#comment-form-body", "Was für ein schöner Abend!")
    page.locator("#comment-form button[type=submit]").click()
    first = Comment.objects.get()
    thread = page.locator(f"#comment-{first.pk}")
    assert "Was für ein schöner Abend!" in thread.inner_text()

    thread.locator(".comment-actions a[href*='reply=']").click()
    page.fill("#reply-form-body", "Und nächstes Mal bringe ich Kolleg:innen mit.")
    page.locator("#reply-form button[type=submit]").click()
    reply = Comment.objects.get(parent=first)
    replies = page.locator(f"#comment-{first.pk} .comment-replies")
    assert "Kolleg:innen" in replies.inner_text()

    orga_page = contexts[1].new_page()
    orga_page.goto(url)
    orga_page.locator(f"#comment-{reply.pk} form[action$='/hide/'] button").click()
    assert orga_page.locator(f"#comment-{reply.pk} .pill-hidden").is_visible()

    other_page = contexts[2].new_page()
    other_page.goto(url)
    text = other_page.locator("#comments").inner_text()
    assert "Was für ein schöner Abend!" in text
    assert "Kolleg:innen" not in text
    assert other_page.locator(f"#comment-{reply.pk}").count() == 0
    for context in contexts:
        context.close()
