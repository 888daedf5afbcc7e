"""The public pages: home, upcoming dates, archive, event detail, errors."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus
from tests.conftest import berlin

pytestmark = pytest.mark.django_db


def german(client: Client, url: str, **kwargs):
    return client.get(url, headers={"accept-language": "de"}, **kwargs)


def english(client: Client, url: str, **kwargs):
    return client.get(url, headers={"accept-language": "en"}, **kwargs)


# Home -----------------------------------------------------------------------------


def test_home_shows_next_event_prominently_with_calendar_link(client, make_event):
    first = make_event(motto="Shitstorm? Keine Panik!")
    second = make_event()
    response = german(client, "/")
    assert response.status_code == 200
    assert response.context["next_event"] == first
    assert second in response.context["later_events"]
    html = response.content.decode()
    assert "Shitstorm? Keine Panik!" in html
    assert reverse("events:ics", args=[first.slug]) in html


def test_home_without_dates_says_so(client, db):
    response = german(client, "/")
    assert "Noch keine Termine" in response.content.decode()
    response = english(client, "/")
    assert "No dates yet" in response.content.decode()


def test_home_never_shows_drafts(client, make_event):
    make_event(title="Geheimer Entwurf", status=EventStatus.DRAFT)
    assert "Geheimer Entwurf" not in german(client, "/").content.decode()


def test_home_shows_a_cancelled_next_event_loudly(client, make_event):
    make_event(status=EventStatus.CANCELLED)
    assert "abgesagt" in german(client, "/").content.decode()


# Lists ----------------------------------------------------------------------------


def test_event_list_shows_upcoming_published_soonest_first(client, make_event):
    now = timezone.now()
    later = make_event(title="Später", starts_at=now + timedelta(days=40))
    sooner = make_event(title="Bald", starts_at=now + timedelta(days=4))
    make_event(title="Vorbei", starts_at=now - timedelta(days=40))
    make_event(title="Entwurf", status=EventStatus.DRAFT)
    response = german(client, "/events/")
    assert list(response.context["page"].object_list) == [sooner, later]


def test_event_list_pagination_edges(client, make_event):
    for _ in range(11):
        make_event()
    first = german(client, "/events/")
    assert len(first.context["page"].object_list) == 10
    assert 'rel="next"' in first.content.decode()
    second = german(client, "/events/?page=2")
    assert len(second.context["page"].object_list) == 1
    assert 'rel="prev"' in second.content.decode()
    for bad in ["3", "0", "-1", "abc", "1.5", "9" * 30]:
        assert german(client, f"/events/?page={bad}").status_code == 404, bad


def test_empty_event_list_has_a_friendly_message(client, db):
    response = german(client, "/events/")
    assert response.status_code == 200
    assert "Noch keine Termine" in response.content.decode()


def test_archive_groups_past_events_by_year(client, make_event):
    make_event(title="Kick-off", starts_at=berlin(2016, 9, 27, 19))
    make_event(title="Weihnachtsstammtisch", starts_at=berlin(2017, 12, 12, 19))
    make_event(title="Bald", starts_at=timezone.now() + timedelta(days=3))
    response = german(client, "/events/past/")
    html = response.content.decode()
    assert html.index('id="year-2017"') < html.index('id="year-2016"')
    assert "Kick-off" in html and "Weihnachtsstammtisch" in html
    assert "Bald" not in html


# Detail ---------------------------------------------------------------------------


def test_event_detail_in_german(client, make_event):
    event = make_event(starts_at=berlin(2030, 9, 24, 19), motto="Hallo Welt")
    response = german(client, event.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "Dienstag, 24. September 2030" in html
    assert "19:00 Uhr" in html
    assert "openstreetmap.org" in html
    assert "La Sall" in html and "Musterstraße 1" in html


def test_event_detail_in_english(client, make_event):
    event = make_event(starts_at=berlin(2030, 9, 24, 19))
    html = english(client, event.get_absolute_url()).content.decode()
    assert '<html lang="en">' in html
    assert "Tuesday, 24 September 2030" in html
    assert "7:00 PM" in html


def test_time_is_berlin_time_on_both_sides_of_dst(client, make_event):
    summer = make_event(starts_at=berlin(2030, 10, 22, 19))  # CEST, UTC+2
    winter = make_event(starts_at=berlin(2030, 10, 29, 19))  # CET, UTC+1
    assert summer.starts_at.utcoffset() == timedelta(hours=2)
    for event in (summer, winter):
        html = german(client, event.get_absolute_url()).content.decode()
        assert "19:00 Uhr" in html


def test_draft_is_404_for_visitors_and_members(client, member, make_event):
    draft = make_event(status=EventStatus.DRAFT)
    assert german(client, draft.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert german(client, draft.get_absolute_url()).status_code == 404
    assert german(client, reverse("events:ics", args=[draft.slug])).status_code == 404


def test_draft_is_visible_to_the_orga_team(client, organizer, make_event):
    draft = make_event(status=EventStatus.DRAFT)
    client.force_login(organizer)
    response = german(client, draft.get_absolute_url())
    assert response.status_code == 200
    assert "Entwurf" in response.content.decode()


def test_cancelled_event_says_so_loudly(client, make_event):
    event = make_event(
        status=EventStatus.CANCELLED, cancellation_reason="Wasserschaden"
    )
    html = german(client, event.get_absolute_url()).content.decode()
    assert 'role="alert"' in html
    assert "abgesagt" in html and "Wasserschaden" in html


def test_past_event_says_it_is_over(client, make_event):
    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    assert "vorbei" in german(client, event.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/events/no-such-event/",
        "/events/no-such-event/calendar.ics",
        "/events/%00/",
        "/events/ü/",
        "/nothing-here/",
        "/events/" + "a" * 500 + "/",
        "/recaps-x/../../etc/passwd",
    ],
)
def test_unknown_or_malformed_urls_are_friendly_404s(client, db, url):
    response = german(client, url)
    assert response.status_code == 404
    assert "Seite" in response.content.decode()


def test_post_to_a_page_is_405(client, make_event):
    event = make_event()
    assert client.post(event.get_absolute_url()).status_code == 405
    assert client.post("/").status_code == 405


# Query counts: fixed, whatever the number of events ---------------------------------


@pytest.mark.parametrize("count", [3, 300])
def test_query_counts_do_not_grow_with_events(
    client, make_event, django_assert_max_num_queries, count
):
    now = timezone.now()
    events = [
        make_event(starts_at=now + timedelta(hours=5 * i + 1)) for i in range(count)
    ]
    for i in range(min(count, 30)):
        make_event(starts_at=now - timedelta(days=30 * (i + 1)))
    # At most: starting a generation (2), the dates, their RSVP counts (one
    # grouped query) and the shared pieces around them.
    for url in ["/", "/events/", "/events/past/", events[-1].get_absolute_url()]:
        with django_assert_max_num_queries(6):
            assert german(client, url).status_code == 200


def test_server_error_page_uses_the_site_layout(rf, db):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert 'class="site-header"' in html
    assert "schiefgelaufen" in html or "went wrong" in html
