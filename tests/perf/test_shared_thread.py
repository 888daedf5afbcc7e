"""The recap page for members: article and comment thread rendered once and shared.

Every ordinary member sees the same thread except the actions on their own
comments (edit, delete instead of report). These tests prove that the shared
thread is fast, that nobody gets another member's actions, and that nothing is
ever stale: new, hidden, deleted and edited comments show at once, and the edit
link goes away when the 15 minutes are over.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Comment
from somehub.lib import pagecache
from tests.conftest import make_user
from tests.events.recap_support import attendee, comment, make_recap, past_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


def page(client: Client, url: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def actions_of(html: str, comment: Comment) -> str:
    """The action links and buttons under one comment (without its replies)."""
    start = html.index(f'id="comment-{comment.pk}"')
    end = html.find("<article", start + 1)
    block = html[start : end if end != -1 else len(html)]
    found = re.search(r'<div class="comment-actions">(.*?)</div>', block, re.S)
    return found.group(1) if found else ""


def url(name: str, recap, pk: int) -> str:
    return reverse(f"events:{name}", kwargs={"slug": recap.slug, "pk": pk})


@pytest.fixture
def recap(make_event):
    return make_recap(past_event(make_event))


# Shared, and each member's own actions


def test_own_comment_has_edit_and_delete_others_have_report(
    recap, member, stranger
) -> None:
    mine = comment(recap, member, "Mein Kommentar")
    theirs = comment(recap, stranger, "Fremder Kommentar")
    for _ in range(2):  # rendering, then from the cache
        html = page(logged_in(member), recap.get_absolute_url())
        assert url("comment-edit", recap, mine.pk) in actions_of(html, mine)
        assert url("comment-delete", recap, mine.pk) in actions_of(html, mine)
        assert url("comment-report", recap, mine.pk) not in html
        assert url("comment-report", recap, theirs.pk) in actions_of(html, theirs)
        assert url("comment-edit", recap, theirs.pk) not in html
        assert url("comment-delete", recap, theirs.pk) not in html
    # ... and the other member sees it the other way round, from the same cache.
    html = page(logged_in(stranger), recap.get_absolute_url())
    assert url("comment-edit", recap, theirs.pk) in actions_of(html, theirs)
    assert url("comment-report", recap, mine.pk) in actions_of(html, mine)
    assert url("comment-edit", recap, mine.pk) not in html


def test_own_reply_gets_its_own_actions_too(recap, member, stranger) -> None:
    question = comment(recap, stranger, "Wer war noch da?")
    answer = comment(recap, member, "Ich!", parent=question)
    html = page(logged_in(member), recap.get_absolute_url())
    assert url("comment-edit", recap, answer.pk) in actions_of(html, answer)
    assert url("comment-report", recap, question.pk) in actions_of(html, question)
    assert f"?reply={question.pk}" in actions_of(html, question)


def test_delete_form_carries_the_members_own_csrf_token(recap, member) -> None:
    mine = comment(recap, member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page(client, recap.get_absolute_url())  # fills the shared thread
    html = page(client, recap.get_absolute_url())
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', actions_of(html, mine)
    )
    assert token is not None
    response = client.post(
        url("comment-delete", recap, mine.pk),
        {"csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=mine.pk).exists()


def test_members_second_visit_costs_one_query(
    recap, member, stranger, django_assert_max_num_queries
) -> None:
    for n in range(30):
        comment(recap, stranger, f"Kommentar {n}")
        attendee(recap.event, n)
    first, second = logged_in(stranger), logged_in(member)
    page(first, recap.get_absolute_url())
    # The recap, the thread and the article are kept for the generation: the
    # second member costs their own row at most.
    with django_assert_max_num_queries(1):
        html = page(second, recap.get_absolute_url())
    assert html.count('<article class="comment') == 30
    assert "Gast 29" in html


def test_cold_page_stays_within_budget(
    recap, member, stranger, django_assert_max_num_queries
) -> None:
    for n in range(30):
        comment(recap, stranger, f"Kommentar {n}")
    client = logged_in(member)
    pagecache.current_generation()  # starting one reads the schedule, once for all
    # Recap, attendees, photos, Impulses, comments, and the member with their
    # permissions: nothing cached yet.
    with django_assert_max_num_queries(6):
        page(client, recap.get_absolute_url())


# Never stale


def test_new_hidden_and_deleted_comments_show_at_once(
    recap, member, stranger, organizer
) -> None:
    reader = logged_in(member)
    assert "Neu hier" not in page(reader, recap.get_absolute_url())
    new = comment(recap, stranger, "Neu hier")
    assert "Neu hier" in page(reader, recap.get_absolute_url())

    logged_in(organizer).post(url("comment-hide", recap, new.pk))
    html = page(reader, recap.get_absolute_url())
    assert "Neu hier" not in html
    assert "This comment was hidden by the Orga-Team." not in html  # no replies

    logged_in(organizer).post(url("comment-unhide", recap, new.pk))
    assert "Neu hier" in page(reader, recap.get_absolute_url())

    logged_in(stranger).post(url("comment-delete", recap, new.pk))
    assert "Neu hier" not in page(reader, recap.get_absolute_url())


def test_edited_comment_shows_the_new_text(recap, member, stranger) -> None:
    theirs = comment(recap, stranger, "Erste Fassung")
    reader = logged_in(member)
    assert "Erste Fassung" in page(reader, recap.get_absolute_url())
    logged_in(stranger).post(
        url("comment-edit", recap, theirs.pk), {"body": "Zweite Fassung"}
    )
    html = page(reader, recap.get_absolute_url())
    assert "Zweite Fassung" in html
    assert "Erste Fassung" not in html


def test_edit_link_goes_when_the_fifteen_minutes_are_over(recap, member) -> None:
    mine = comment(recap, member)
    client = logged_in(member)
    edit = url("comment-edit", recap, mine.pk)
    assert edit in page(client, recap.get_absolute_url())
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        html = page(client, recap.get_absolute_url())
    assert edit not in html
    assert url("comment-delete", recap, mine.pk) in actions_of(html, mine)


def test_closing_comments_removes_reply_links_and_form_at_once(
    recap, member, stranger, organizer
) -> None:
    theirs = comment(recap, stranger)
    reader = logged_in(member)
    assert f"?reply={theirs.pk}" in page(reader, recap.get_absolute_url())
    logged_in(organizer).post(
        reverse("events:recap-close-comments", kwargs={"slug": recap.slug})
    )
    html = page(reader, recap.get_absolute_url())
    assert f"?reply={theirs.pk}" not in html
    assert "Comments on this recap are closed." in html


# Who gets a page of their own


def test_moderators_see_their_buttons_and_members_never_do(
    recap, member, stranger, organizer
) -> None:
    theirs = comment(recap, stranger)
    hide = url("comment-hide", recap, theirs.pk)
    assert hide not in page(logged_in(member), recap.get_absolute_url())
    assert hide in page(logged_in(organizer), recap.get_absolute_url())
    assert hide not in page(logged_in(member), recap.get_absolute_url())


def test_a_helper_with_the_moderation_permission_is_not_shared(
    recap, member, stranger
) -> None:
    theirs = comment(recap, stranger)
    helpers = Group.objects.create(name="Moderation")
    helpers.permissions.add(Permission.objects.get(codename="change_comment"))
    helper = make_user("helfer@example.org", name="Hanna Helfer")
    helper.groups.add(helpers)
    hide = url("comment-hide", recap, theirs.pk)
    assert hide not in page(logged_in(member), recap.get_absolute_url())
    assert hide in page(logged_in(helper), recap.get_absolute_url())
    assert hide not in page(logged_in(member), recap.get_absolute_url())


def test_reply_form_is_the_members_own(recap, member, stranger) -> None:
    theirs = comment(recap, stranger)
    client = logged_in(member)
    html = page(client, f"{recap.get_absolute_url()}?reply={theirs.pk}")
    assert 'id="reply-form"' in html
    assert 'id="reply-form"' not in page(logged_in(stranger), recap.get_absolute_url())


def test_visitors_get_the_thread_without_any_action(recap, member) -> None:
    mine = comment(recap, member)
    page(logged_in(member), recap.get_absolute_url())
    html = page(Client(), recap.get_absolute_url())
    assert f'id="comment-{mine.pk}"' in html
    assert actions_of(html, mine) == ""
    assert "<!--actions" not in html


def test_draft_recap_stays_hidden_from_members(make_event, member, organizer) -> None:
    draft = make_recap(past_event(make_event), status="draft", published_at=None)
    assert logged_in(organizer).get(draft.get_absolute_url()).status_code == 200
    assert logged_in(member).get(draft.get_absolute_url()).status_code == 404
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_deleted_members_comments_are_nobodys_own(recap, member, stranger) -> None:
    orphan = comment(recap, make_user("weg@example.org", name="Weg"), "Verwaist")
    Comment.objects.filter(pk=orphan.pk).update(author=None)
    html = page(logged_in(member), recap.get_absolute_url())
    assert url("comment-edit", recap, orphan.pk) not in html
    assert url("comment-delete", recap, orphan.pk) not in html
