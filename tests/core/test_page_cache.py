"""Cached pages for visitors: served without queries, and never stale.

Every change a visitor could see must show on the very next request: RSVPs, comments
hidden by the Orga-Team, an edited event, a renamed member, and changes that only
time makes (RSVPs opening). The suite runs with the page cache on and Redis as the
cache (tests/settings.py), as production does; tests/core/test_page_cache_servers.py
does the same across two servers.
"""

import os
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from core import pagecache
from events.models import RSVP, Event, RSVPStatus
from tests.conftest import make_user
from tests.events.recap_support import comment, make_recap, past_event

pytestmark = pytest.mark.django_db


def page(client: Client, url: str, language: str = "en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Served from the cache


def test_second_visit_costs_no_query_and_shows_the_same_page(
    client, make_event, django_assert_num_queries
) -> None:
    event = make_event()
    first = page(client, event.get_absolute_url())
    with django_assert_num_queries(0):
        second = page(client, event.get_absolute_url())
    assert second == first


@pytest.mark.parametrize(
    "name", ["events:home", "events:list", "events:recap-list", "impulses:index"]
)
def test_public_pages_are_cached(client, name, django_assert_num_queries) -> None:
    page(client, reverse(name))
    with django_assert_num_queries(0):
        page(client, reverse(name))


def test_recap_with_comments_is_cached(
    client, make_event, member, django_assert_num_queries
) -> None:
    recap = make_recap(past_event(make_event))
    comment(recap, member, "Schön war's!")
    page(client, recap.get_absolute_url())
    with django_assert_num_queries(0):
        assert "Schön war" in page(client, recap.get_absolute_url())


def test_a_kept_page_comes_with_the_headers_of_the_whole_stack(
    client, make_event, django_assert_num_queries
) -> None:
    """Served before the lower middleware runs, a kept page still carries what
    they add: the content security policy, frame options, language and Vary."""
    event = make_event()
    first = client.get(event.get_absolute_url())
    with django_assert_num_queries(0):
        second = client.get(event.get_absolute_url())
    for name in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "Content-Language",
        "Vary",
        "Permissions-Policy",
        "X-Content-Type-Options",
    ):
        assert second.headers.get(name) == first.headers.get(name), name
        assert second.headers.get(name), name
    assert second.content == first.content


def test_a_visitor_with_a_stale_session_cookie_gets_a_rendered_page(
    client, make_event
) -> None:
    event = make_event()
    page(client, event.get_absolute_url())
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    with CaptureQueriesContext(connection) as queries:
        html = page(client, event.get_absolute_url())
    assert len(queries) > 0  # rendered, with the session looked up
    assert 'name="email"' in html


def test_an_unknown_host_is_refused_also_for_a_kept_page(make_event) -> None:
    client = Client(raise_request_exception=False)
    event = make_event()
    page(client, event.get_absolute_url())
    for url in (event.get_absolute_url(), reverse("account_login")):
        response = client.get(url, headers={"host": "evil.example"})
        assert response.status_code == 400, url  # the error page renders, too


def test_german_and_english_are_cached_apart(client, make_event) -> None:
    event = make_event()
    assert 'lang="en"' in page(client, event.get_absolute_url(), "en")
    assert 'lang="de"' in page(client, event.get_absolute_url(), "de")
    assert 'lang="en"' in page(client, event.get_absolute_url(), "en")


def test_members_never_get_the_cached_page(client, make_event, member) -> None:
    event = make_event()
    event.rsvp(member)
    anonymous = page(client, event.get_absolute_url())
    assert 'name="email"' in anonymous
    client.force_login(member)
    mine = page(client, event.get_absolute_url())
    assert "Cancel my RSVP" in mine
    client.logout()
    assert "Cancel my RSVP" not in page(client, event.get_absolute_url())


def test_cached_page_has_no_csrf_token_and_sets_no_cookie(client, make_event) -> None:
    event = make_event()
    for _ in range(2):
        response = client.get(event.get_absolute_url())
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert not response.cookies


def test_language_switch_works_without_a_csrf_token(make_event) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": "/"},
        headers={"origin": "http://testserver"},
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_waiting_message_is_shown_not_the_cached_page(
    client, make_event, member
) -> None:
    event = make_event()
    page(client, event.get_absolute_url())
    client.force_login(member)
    client.post(
        reverse("events:rsvp", kwargs={"slug": event.slug}), {"answer": "going"}
    )
    client.post(reverse("account_logout"))  # "You are logged out ..." waits
    assert 'class="wrap messages"' in page(client, event.get_absolute_url())
    assert 'class="wrap messages"' not in page(client, event.get_absolute_url())


def cached_pages() -> int:
    """How many pages this test run holds in the cache."""
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return sum(1 for _ in client.scan_iter(f"{prefix}:*:page:*"))


def test_unknown_query_parameters_are_not_cached(
    client, make_event, django_assert_num_queries
) -> None:
    make_event()
    archive = reverse("events:archive")
    page(client, f"{archive}?utm_source=mastodon")
    page(client, f"{archive}?utm_source=mastodon")
    assert cached_pages() == 0
    page(client, archive)
    assert cached_pages() == 1
    with django_assert_num_queries(0):
        page(client, archive)


def test_a_thousand_spellings_of_a_page_add_no_entry(client, make_event) -> None:
    """Junk variants of a real page (leading zeros, signs, Arabic-Indic digits,
    doubled or unknown parameters, other hosts) are served but never stored."""
    for n in range(12):
        make_event(starts_at=timezone.now() + timedelta(days=n + 1))
    url = reverse("events:list")
    page(client, url)
    page(client, f"{url}?page=2")
    assert cached_pages() == 2
    spellings = ["02", "002", "+2", "%2B2", "%D9%A2", "%32", "2&page=2", "2.0", "1"]
    variants = [f"{url}?page={s}" for s in spellings]
    variants += [f"{url}?page=2&x={n}" for n in range(500)]
    variants += [f"{url}?x={n}" for n in range(500)]
    for n, variant in enumerate(variants):
        host = f"127.0.0.1:{8000 + n % 90}"
        response = client.get(variant, headers={"host": host})
        assert response.status_code in (200, 404), variant
    for n in range(90):
        client.get(url, headers={"host": f"127.0.0.1:{9000 + n}"})
    assert len(variants) + 90 >= 1000
    assert cached_pages() == 2


def test_a_page_takes_one_entry_whatever_the_number_of_generations(
    client, make_event
) -> None:
    """An entry names the generation it was rendered in: a later generation
    renders the page again into the same entry, and never serves the old one."""
    event = make_event(capacity=20)
    for taken in range(4):
        html = page(client, event.get_absolute_url())
        assert f"{taken} of 20 places taken" in html
        assert page(client, event.get_absolute_url()) == html  # kept
        assert cached_pages() == 1
        event.rsvp(make_user(f"gast{taken}@example.org"))  # ends the generation
    assert "4 of 20 places taken" in page(client, event.get_absolute_url())
    assert cached_pages() == 1


def test_nothing_is_cached_when_the_page_cache_is_off(
    client, make_event, settings
) -> None:
    settings.PAGE_CACHE = False
    event = make_event()
    page(client, event.get_absolute_url())
    assert cache.get(pagecache.GENERATION_KEY) is None
    assert cached_pages() == 0


# Never stale


def test_rsvp_shows_on_the_next_visit(client, make_event, member) -> None:
    event = make_event(capacity=20)
    assert "0 of 20 places taken" in page(client, event.get_absolute_url())
    event.rsvp(member)
    assert "1 of 20 places taken" in page(client, event.get_absolute_url())
    RSVP.objects.get(event=event, member=member).cancel()
    assert "0 of 20 places taken" in page(client, event.get_absolute_url())


def test_rsvp_through_the_site_shows_on_home_and_event_page(make_event, member) -> None:
    event = make_event(capacity=20)
    visitor = Client()
    assert "0 of 20 places taken" in page(visitor, "/")
    assert "0 of 20 places taken" in page(visitor, event.get_absolute_url())
    someone = Client()
    someone.force_login(member)
    someone.post(
        reverse("events:rsvp", kwargs={"slug": event.slug}), {"answer": "going"}
    )
    assert "1 of 20 places taken" in page(visitor, "/")
    assert "1 of 20 places taken" in page(visitor, event.get_absolute_url())


def test_hidden_comment_is_gone_at_once(client, make_event, member, organizer) -> None:
    recap = make_recap(past_event(make_event))
    rude = comment(recap, member, "Ein unfreundlicher Kommentar")
    assert "unfreundlicher" in page(client, recap.get_absolute_url())
    orga = Client()
    orga.force_login(organizer)
    orga.post(
        reverse("events:comment-hide", kwargs={"slug": recap.slug, "pk": rude.pk})
    )
    assert "unfreundlicher" not in page(client, recap.get_absolute_url())


def test_deleted_comment_and_new_comment_show_at_once(
    client, make_event, member
) -> None:
    recap = make_recap(past_event(make_event))
    first = recap.add_comment(member, "Erster Kommentar")
    assert "Erster Kommentar" in page(client, recap.get_absolute_url())
    first.delete_by(member)
    assert "Erster Kommentar" not in page(client, recap.get_absolute_url())
    recap.add_comment(member, "Zweiter Kommentar")
    assert "Zweiter Kommentar" in page(client, recap.get_absolute_url())


def test_edited_event_shows_the_new_text(client, make_event) -> None:
    event = make_event(motto="Alter Titel des Abends")
    assert "Alter Titel" in page(client, event.get_absolute_url())
    event.motto = "Neuer Titel des Abends"
    event.save()
    assert "Neuer Titel" in page(client, event.get_absolute_url())
    assert "Neuer Titel" in page(client, "/")


def test_changes_outside_model_methods_count_too(client, make_event, member) -> None:
    """QuerySet.update() and raw cascades skip save(): the SQL is what is watched."""
    event = make_event(motto="Vorher")
    event.rsvp(member)
    assert "Vorher" in page(client, event.get_absolute_url())
    Event.objects.filter(pk=event.pk).update(motto="Nachher")
    assert "Nachher" in page(client, event.get_absolute_url())
    RSVP.objects.filter(event=event).update(status=RSVPStatus.NOT_GOING)
    assert "0 of 20 places taken" in page(client, event.get_absolute_url())


def test_renamed_member_shows_in_the_attendee_list(client, make_event) -> None:
    event = make_event()
    guest = make_user("gast@example.org", name="Gabi Gast")
    Profile.objects.filter(user=guest).update(visibility="public")
    event.rsvp(guest)
    assert "Gabi Gast" in page(client, event.get_absolute_url())
    Profile.objects.filter(user=guest).update(display_name="Gabi Neu")
    html = page(client, event.get_absolute_url())
    assert "Gabi Neu" in html and "Gabi Gast" not in html


def test_rsvps_opening_show_without_any_write(client, make_event) -> None:
    opens = timezone.now() + timedelta(hours=2)
    event = make_event(rsvp_opens_at=opens)
    assert "RSVPs open on" in page(client, event.get_absolute_url())
    with time_machine.travel(opens + timedelta(seconds=1)):
        assert 'name="email"' in page(client, event.get_absolute_url())


def test_generation_ends_at_the_next_scheduled_change(make_event) -> None:
    now = timezone.now()
    make_event(starts_at=now + timedelta(minutes=3), ends_at=now + timedelta(hours=3))
    assert pagecache.seconds_until_scheduled_change(now) in (179, 180)


def test_time_going_back_starts_a_new_generation(make_event) -> None:
    later = timezone.now() + timedelta(days=1)
    with time_machine.travel(later):
        future = pagecache.current_generation()
    assert pagecache.current_generation() != future


# The write watcher


@pytest.mark.parametrize(
    ("sql", "changes"),
    [
        ('SELECT "events_event"."id" FROM "events_event"', False),
        ('INSERT INTO "events_rsvp" ("event_id") VALUES (%s)', True),
        ('UPDATE "accounts_profile" SET "display_name" = %s', True),
        ('DELETE FROM "events_comment" WHERE "id" = %s', True),
        ('UPDATE "django_session" SET "expire_date" = %s', False),
        ('INSERT INTO "django_admin_log" ("action_flag") VALUES (%s)', False),
        ('TRUNCATE "events_event"', True),
        ('ALTER TABLE "events_event" ADD COLUMN "x" integer', True),
        ('SAVEPOINT "s1"', False),
        (
            'UPDATE "accounts_user" SET "last_login" = %s '
            'WHERE "accounts_user"."id" = %s',
            False,
        ),
        (
            'UPDATE "accounts_user" SET "last_login" = %s, "is_active" = %s '
            'WHERE "accounts_user"."id" = %s',
            True,
        ),
    ],
)
def test_which_statements_end_the_generation(sql: str, changes: bool) -> None:
    assert pagecache.changes_content(sql) is changes


def test_a_transaction_ends_the_generation_again_once_after_commit(
    make_event, member
) -> None:
    """Pages rendered from the old rows while the transaction ran must not survive
    it: one callback per transaction, however many statements it wrote."""
    event = make_event()  # the test runs in one transaction, like a request would
    event.rsvp(member)
    event.motto = "Anders"
    event.save()
    queued = [e for e in connection.run_on_commit if e[1] is pagecache._after_commit]
    assert len(queued) == 1


def test_session_writes_leave_the_cache_alone(client, make_event, member) -> None:
    page(client, make_event().get_absolute_url())
    generation = pagecache.current_generation()
    session_client = Client()
    session = session_client.session
    session["seen"] = True
    session.save()
    assert pagecache.current_generation() == generation


# Members' pages are never cached, and never stale


def test_new_attendee_shows_to_members_at_once(make_event, member) -> None:
    event = make_event(capacity=None)
    client = Client()
    client.force_login(member)
    assert "Gabi Gast" not in page(client, event.get_absolute_url())
    event.rsvp(make_user("gast@example.org", name="Gabi Gast"))
    assert "Gabi Gast" in page(client, event.get_absolute_url())


def test_organizers_only_profiles_never_leak_between_viewers(
    make_event, member, organizer
) -> None:
    event = make_event(capacity=None)
    hidden = make_user("otto@example.org", name="Otto Orgaonly")
    Profile.objects.filter(user=hidden).update(visibility="organizers")
    event.rsvp(hidden)
    orga, other = Client(), Client()
    orga.force_login(organizer)
    other.force_login(member)
    assert "Otto Orgaonly" in page(orga, event.get_absolute_url())
    assert "Otto Orgaonly" not in page(other, event.get_absolute_url())
    assert "Otto Orgaonly" not in page(Client(), event.get_absolute_url())
    own = Client()
    own.force_login(hidden)
    assert "Otto Orgaonly" in page(own, event.get_absolute_url())
    assert "Otto Orgaonly" not in page(other, event.get_absolute_url())


def test_a_release_is_named_by_the_code_not_by_file_dates(settings, tmp_path) -> None:
    """Two checkouts of the same commit agree; a deploy of other code does not."""
    settings.RELEASE = ""
    template = tmp_path / "templates" / "page.html"
    template.parent.mkdir()
    template.write_text("<p>old</p>")
    settings.BASE_DIR = tmp_path
    pagecache.release.cache_clear()
    before = pagecache.release()
    os.utime(template, (1, 1))
    pagecache.release.cache_clear()
    assert pagecache.release() == before
    template.write_text("<p>new text</p>")
    pagecache.release.cache_clear()
    assert pagecache.release() != before
    settings.RELEASE = "v42"
    pagecache.release.cache_clear()
    assert pagecache.release() == "v42"
    pagecache.release.cache_clear()


def test_pages_of_another_release_are_not_served(client, make_event, settings) -> None:
    event = make_event(motto="Erste Fassung")
    pagecache.release.cache_clear()
    settings.RELEASE = "old"
    page(client, event.get_absolute_url())
    assert cached_pages() == 1
    settings.RELEASE = "new"
    pagecache.release.cache_clear()
    page(client, event.get_absolute_url())
    assert cached_pages() == 2
    pagecache.release.cache_clear()


def test_members_event_list_is_their_own_and_never_stale(
    make_event, member, stranger
) -> None:
    events = [make_event(starts_at=timezone.now() + timedelta(days=n)) for n in (3, 5)]
    mine, theirs = Client(), Client()
    mine.force_login(member)
    theirs.force_login(stranger)
    url = reverse("events:list")
    assert "You're going" not in page(mine, url)
    mine.post(
        reverse("events:rsvp", kwargs={"slug": events[1].slug}), {"answer": "going"}
    )
    assert "You're going" in page(mine, url)
    assert "You're going" not in page(theirs, url)


def test_extra_query_parameters_never_reach_the_shared_page_links(
    client, make_event
) -> None:
    for n in range(12):
        make_event(starts_at=timezone.now() + timedelta(days=n + 1))
    url = reverse("events:list")
    assert "utm_source" in page(client, f"{url}?utm_source=mastodon")
    assert "utm_source" not in page(client, url)


def test_a_new_vote_shows_on_the_cached_wish_list(client, member) -> None:
    from impulses.models import Wish

    wish = Wish.objects.create(author=member, title="Barrierefreie Reels")
    url = reverse("impulses:wish-list")
    assert '<span class="wish-count">0</span>' in page(client, url)
    voter = Client()
    voter.force_login(member)
    voter.post(reverse("impulses:wish-vote", kwargs={"pk": wish.pk}))
    assert '<span class="wish-count">1</span>' in page(client, url)


def test_changes_made_by_hand_end_with_clear_page_cache_or_migrate(
    client, make_event
) -> None:
    """psql or a restored backup write where the watcher cannot see it."""
    from io import StringIO

    from django.core.management import call_command

    event = make_event(title="Alter Titel")

    def change_by_hand(title: str) -> None:
        seen = cache.get(pagecache.GENERATION_KEY)
        Event.objects.filter(pk=event.pk).update(title=title)
        cache.set(pagecache.GENERATION_KEY, seen)  # as if nobody had noticed

    assert "Alter Titel" in page(client, event.get_absolute_url())
    change_by_hand("Neuer Titel")
    assert "Alter Titel" in page(client, event.get_absolute_url())
    call_command("clear_page_cache", stdout=StringIO())
    assert "Neuer Titel" in page(client, event.get_absolute_url())

    change_by_hand("Dritter Titel")
    assert "Neuer Titel" in page(client, event.get_absolute_url())
    call_command("migrate", verbosity=0)
    assert "Dritter Titel" in page(client, event.get_absolute_url())


def test_a_login_leaves_the_cached_pages_alone(client, make_event, member) -> None:
    """A spike of members logging in to RSVP does not throw every page away."""
    page(client, make_event().get_absolute_url())
    generation = pagecache.current_generation()
    other = Client()
    other.force_login(member)  # notes last_login on the member's row
    assert pagecache.current_generation() == generation


# Shared pieces of members' pages


def test_members_share_the_recap_thread_and_see_new_comments_at_once(
    make_event, member, stranger, django_assert_max_num_queries
) -> None:
    recap = make_recap(past_event(make_event))
    other = make_user("olli@example.org", name="Olli Anders")
    for n in range(20):
        comment(recap, other, f"Kommentar Nummer {n}")
    first, second = Client(), Client()
    first.force_login(member)
    second.force_login(stranger)
    assert "Kommentar Nummer 19" in page(first, recap.get_absolute_url())
    # Session, member, recap (with its photos, which an imported text may place),
    # "did they write here?": the rest is shared.
    with django_assert_max_num_queries(5):
        html = page(second, recap.get_absolute_url())
    assert "Kommentar Nummer 19" in html
    assert "csrfmiddlewaretoken" in html  # the comment form, outside the piece
    recap.add_comment(other, "Ganz neuer Kommentar")
    assert "Ganz neuer Kommentar" in page(second, recap.get_absolute_url())


def test_an_author_gets_their_own_buttons_and_nobody_else_does(
    make_event, member, stranger
) -> None:
    recap = make_recap(past_event(make_event))
    mine = recap.add_comment(member, "Mein eigener Kommentar")
    delete = reverse("events:comment-delete", args=[recap.slug, mine.pk])
    edit = reverse("events:comment-edit", args=[recap.slug, mine.pk])
    them, me = Client(), Client()
    them.force_login(stranger)
    me.force_login(member)
    for _ in range(2):  # whoever comes first, from the shared piece or not
        assert delete not in page(them, recap.get_absolute_url())
        html = page(me, recap.get_absolute_url())
        assert delete in html and edit in html
        assert delete not in page(Client(), recap.get_absolute_url())


def test_a_shared_piece_is_built_from_its_key_alone() -> None:
    from events.views.recaps import recap_main

    found = "x"
    with pytest.raises(TypeError):
        pagecache.shared_piece("base.html", lambda: {"x": found})
    with pytest.raises(TypeError):
        pagecache.shared_piece("base.html", recap_main, recap=[1, 2])
    assert recap_main.__closure__ is None


def test_asking_for_login_codes_in_a_loop_leaves_the_cached_pages_alone(
    client, make_event, member
) -> None:
    """Usage counters and pending sign-ups are no page's content: a visitor who
    writes them in a loop does not keep the site uncached."""
    page(client, make_event().get_absolute_url())
    generation = pagecache.current_generation()
    visitor = Client()
    for _ in range(3):
        visitor.post(reverse("account_request_login_code"), {"email": member.email})
    assert pagecache.current_generation() == generation


def test_a_write_while_a_member_page_reads_never_leaves_a_stale_card(
    make_event, member, stranger, monkeypatch
) -> None:
    """Cards are built from the rows the view read. A write between that read and
    the keeping of the cards ends the generation read before the view ran, so the
    cards kept then are never served."""
    from events.views import pages

    event = make_event(capacity=20)
    viewer = Client()
    viewer.force_login(member)
    pagecache.current_generation()
    note_rsvps = pages.note_rsvps

    def read_then_someone_answers(events, user):
        note_rsvps(events, user)  # the counts as they were
        if not RSVP.objects.filter(member=stranger).exists():
            event.rsvp(stranger)  # another request's write, meanwhile

    monkeypatch.setattr(pages, "note_rsvps", read_then_someone_answers)
    assert "0 of 20 places taken" in page(viewer, reverse("events:list"))
    monkeypatch.setattr(pages, "note_rsvps", note_rsvps)
    assert "1 of 20 places taken" in page(viewer, reverse("events:list"))
