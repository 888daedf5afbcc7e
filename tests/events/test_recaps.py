"""Recap pages: the list, the detail page, the feed, publishing, and query counts."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, User
from events.models import RSVP, Comment, Recap, RecapStatus
from somehub.lib.images import open_upload
from tests.conftest import GENERATION, SESSION
from tests.events.recap_support import (
    attendee,
    comment,
    jpeg_upload,
    make_recap,
    past_event,
)

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def recap(make_event, organizer) -> Recap:
    return make_recap(past_event(make_event), author=organizer)


# Publishing -------------------------------------------------------------------


def test_publish_sets_status_and_date(make_event) -> None:
    draft = make_recap(
        past_event(make_event), status=RecapStatus.DRAFT, published_at=None
    )
    assert draft not in Recap.objects.published()
    draft.publish()
    draft.refresh_from_db()
    assert draft.status == RecapStatus.PUBLISHED
    assert draft.published_at is not None
    assert draft in Recap.objects.published()


def test_a_recap_scheduled_for_later_is_not_published_yet(make_event) -> None:
    later = timezone.now() + timedelta(days=2)
    recap = make_recap(
        past_event(make_event), status=RecapStatus.DRAFT, published_at=later
    )
    recap.publish()
    assert recap.published_at == later
    assert recap not in Recap.objects.published()
    assert not recap.is_published


def test_a_published_recap_needs_a_date(make_event) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_recap(past_event(make_event), published_at=None)


def test_visible_to_shows_drafts_to_the_orga_team_only(
    make_event, member, organizer
) -> None:
    draft = make_recap(
        past_event(make_event), status=RecapStatus.DRAFT, published_at=None
    )
    assert draft not in Recap.objects.visible_to(member)
    assert draft in Recap.objects.visible_to(organizer)


# The list ---------------------------------------------------------------------


def test_list_shows_published_recaps_newest_first_with_comment_counts(
    client, make_event, member
) -> None:
    old = make_recap(
        past_event(make_event, 90),
        title="Der alte Abend",
        published_at=timezone.now() - timedelta(days=80),
    )
    new = make_recap(past_event(make_event, 10), title="Der neue Abend")
    make_recap(
        past_event(make_event, 5),
        title="Noch geheim",
        status=RecapStatus.DRAFT,
        published_at=None,
    )
    comment(new, member)
    comment(new, member)
    comment(new, member, is_hidden=True)
    comment(new, member, body="", deleted_at=timezone.now())
    response = client.get(reverse("events:recap-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Der neue Abend") < html.index("Der alte Abend")
    assert "Noch geheim" not in html
    recaps = list(response.context["page"].object_list)
    assert recaps == [new, old]
    assert [r.comment_count for r in recaps] == [2, 0]


def test_list_is_paginated_and_a_missing_page_is_404(client, make_event) -> None:
    for n in range(12):
        make_recap(past_event(make_event, 10 + n))
    assert len(client.get(reverse("events:recap-list")).context["page"]) == 10
    assert (
        len(client.get(reverse("events:recap-list") + "?page=2").context["page"]) == 2
    )
    assert client.get(reverse("events:recap-list") + "?page=3").status_code == 404
    assert client.get(reverse("events:recap-list") + "?page=x").status_code == 404


def test_empty_list_says_so(client, db) -> None:
    response = client.get(reverse("events:recap-list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "No recaps yet" in response.content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_stays_flat(
    client, make_event, member, django_assert_max_num_queries, rows
) -> None:
    for n in range(rows):
        recap = make_recap(past_event(make_event, 10 + n))
        comment(recap, member)
    with django_assert_max_num_queries(2 + GENERATION):
        assert client.get(reverse("events:recap-list")).status_code == 200
    client.force_login(member)
    with django_assert_max_num_queries(3 + SESSION):
        assert client.get(reverse("events:recap-list")).status_code == 200


def test_list_rejects_post(client, db) -> None:
    assert client.post(reverse("events:recap-list")).status_code == 405


# The detail page --------------------------------------------------------------


def test_detail_shows_recap_and_links_its_event(client, recap) -> None:
    response = client.get(recap.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert recap.title in html
    assert "<h2>Was wir gelernt haben</h2>" in html
    assert recap.event.get_absolute_url() in html


def test_event_page_links_its_published_recap_only(client, make_event) -> None:
    event = past_event(make_event)
    assert "recap-link" not in client.get(event.get_absolute_url()).content.decode()
    recap = make_recap(event, status=RecapStatus.DRAFT, published_at=None)
    assert (
        recap.get_absolute_url()
        not in client.get(event.get_absolute_url()).content.decode()
    )
    recap.publish()
    assert (
        recap.get_absolute_url()
        in client.get(event.get_absolute_url()).content.decode()
    )


def test_home_page_shows_latest_recaps(client, recap) -> None:
    html = client.get(reverse("events:home")).content.decode()
    assert recap.get_absolute_url() in html
    assert recap.title in html


def test_draft_is_404_for_visitors_and_members_but_shown_to_organizers(
    client, make_event, member, organizer
) -> None:
    draft = make_recap(
        past_event(make_event), status=RecapStatus.DRAFT, published_at=None
    )
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(organizer)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "recap-close-comments" not in response.content.decode()
    assert response.context["recap"] == draft


def test_unknown_recap_is_404(client, db) -> None:
    assert client.get("/recaps/no-such-recap/").status_code == 404


def test_xss_in_recap_and_names_renders_inert(client, make_event, organizer) -> None:
    Profile.objects.filter(user=organizer).update(display_name=XSS)
    event = past_event(make_event, title=f"Abend {XSS}")
    recap = make_recap(
        event,
        title=f"Titel {XSS}",
        lead=f"Lead {XSS}",
        author=organizer,
        body=f"Text {XSS} [klick](javascript:alert(1))",
    )
    guest = attendee(event, 1, name=XSS)
    comment(recap, guest.member, body=XSS)
    html = client.get(recap.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;" in html


def test_photos_show_as_gallery_with_alt_text(client, recap) -> None:
    for n in range(2):
        photo = recap.photos.model(recap=recap, alt_text=f"Foto Nummer {n}", position=n)
        photo.store(open_upload(jpeg_upload((800, 600))))
        photo.save()
    recap.cover = recap.photos.first()
    recap.save()
    html = client.get(recap.get_absolute_url()).content.decode()
    assert 'alt="Foto Nummer 0"' in html  # the cover
    assert 'alt="Foto Nummer 1"' in html  # the gallery
    assert html.count('alt="Foto Nummer 0"') == 1


def test_cover_offers_a_phone_sized_source(
    client, recap, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = recap.photos.model(recap=recap, alt_text="Die Runde", position=0)
    photo.store(open_upload(jpeg_upload((3000, 2000))))
    photo.save()
    recap.cover = photo
    recap.save()
    assert (photo.medium.width, photo.medium.height) == (800, 533)
    html = client.get(recap.get_absolute_url()).content.decode()
    assert f'srcset="{photo.medium.url} 800w, {photo.display.url} 1600w"' in html
    assert 'fetchpriority="high"' in html
    names = [
        f.name for f in (photo.image, photo.display, photo.medium, photo.thumbnail)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert not any((tmp_path / name).exists() for name in names)


# Query counts -----------------------------------------------------------------


def _busy_recap(make_event, organizer, comments: int, attendees: int) -> Recap:
    event = past_event(make_event)
    recap = make_recap(event, author=organizer)
    rsvps = [
        attendee(
            event,
            n,
            checked_in=True,
            visibility=["public", "members", "organizers"][n % 3],
        )
        for n in range(attendees)
    ]
    members = [r.member for r in rsvps] or [organizer]
    top: list[Comment] = []
    for n in range(comments):
        parent = top[-1] if n % 4 == 3 and top else None
        made = comment(
            recap, members[n % len(members)], f"Kommentar {n}", parent=parent
        )
        if parent is None:
            top.append(made)
    return recap


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_recap_with_200_comments_and_50_attendees_renders_in_constant_queries(
    client, make_event, organizer, member, django_assert_max_num_queries, settings
) -> None:
    settings.PAGE_CACHE = False  # the cost of rendering, every time
    small = _busy_recap(make_event, organizer, comments=3, attendees=3)
    big = _busy_recap(make_event, organizer, comments=200, attendees=50)
    # Recap, attendees, comments, photos, and the Impulses given that evening.
    with django_assert_max_num_queries(5):
        response = client.get(big.get_absolute_url())
    assert response.context["facts"].attendance.total == 50
    assert response.context["comment_count"] == 200
    assert response.content.decode().count('<article class="comment') == 200
    assert _count(client, small.get_absolute_url()) == _count(
        client, big.get_absolute_url()
    )

    # A member costs the user row, with their permissions, on top (the permissions
    # decide drafts, moderation buttons and organizers-only profiles), and whether
    # they wrote in the thread (their comments have their own buttons).
    client.force_login(member)
    with django_assert_max_num_queries(7 + SESSION):
        client.get(big.get_absolute_url())
    assert _count(client, small.get_absolute_url()) == _count(
        client, big.get_absolute_url()
    )

    client.force_login(organizer)
    assert _count(client, small.get_absolute_url()) == _count(
        client, big.get_absolute_url()
    )


# Feed -------------------------------------------------------------------------


def test_feed_lists_published_recaps_as_atom(client, make_event, recap) -> None:
    make_recap(
        past_event(make_event, 5),
        title="Entwurf",
        status=RecapStatus.DRAFT,
        published_at=None,
    )
    response = client.get(reverse("events:recap-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ElementTree.fromstring(response.content)
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert titles == [recap.title]
    link = root.find("a:entry/a:link", ns).get("href")
    assert link.endswith(recap.get_absolute_url())


def test_feed_escapes_markup_in_recaps(client, make_event) -> None:
    make_recap(past_event(make_event), lead=XSS, body=XSS)
    feed = client.get(reverse("events:recap-feed")).content
    root = ElementTree.fromstring(feed)
    summary = root.findtext(
        "a:entry/a:summary", namespaces={"a": "http://www.w3.org/2005/Atom"}
    )
    # The summary is HTML for the feed reader: the payload in it is escaped text.
    assert "<script" not in summary
    assert "<img" not in summary
    assert "&lt;script&gt;" in summary


def test_member_without_profile_does_not_break_pages(client, recap) -> None:
    bare = User.objects.create_user(email="bare@example.org", password="x")
    comment(recap, bare, "Ohne Profil")
    RSVP.objects.create(event=recap.event, member=bare, status="going")
    html = client.get(recap.get_absolute_url()).content.decode()
    assert "Ohne Profil" in html
