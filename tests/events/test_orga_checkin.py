"""Door check-in: the list of people going, search, one-tap "here", walk-ins."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from events.models import RSVP, Event, EventStatus, RSVPStatus
from tests.conftest import make_user
from tests.events.orga_support import answer, count_queries, make_orga, members

pytestmark = pytest.mark.django_db


@pytest.fixture
def orga(db):
    return make_orga()


@pytest.fixture
def tonight(make_event) -> Event:
    start = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    return make_event(title="Heute Abend", starts_at=start, capacity=3)


@pytest.fixture
def people(tonight):
    anna = make_user("anna@example.org", name="Anna Ärger")
    ben = make_user("ben@example.org", name="Ben Böhm")
    wanda = make_user("wanda@example.org", name="Wanda Warteliste")
    nina = make_user("nina@example.org", name="Nina Nein")
    walter = make_user("walter@example.org", name="Walter Walk-in")
    answer(tonight, anna)
    answer(tonight, ben)
    answer(tonight, wanda, RSVPStatus.WAITING, waiting_since=timezone.now())
    answer(tonight, nina, RSVPStatus.NOT_GOING)
    return {"anna": anna, "ben": ben, "wanda": wanda, "nina": nina, "walter": walter}


def checkin_url(event: Event, query: str = "") -> str:
    url = reverse("events:checkin", args=[event.slug])
    return url + (f"?q={query}" if query else "")


def toggle_url(rsvp: RSVP) -> str:
    return reverse("events:checkin-toggle", args=[rsvp.event.slug, rsvp.pk])


def test_list_shows_everyone_going_with_photo_or_initials(
    client, orga, tonight, people
) -> None:
    client.force_login(orga)
    response = client.get(checkin_url(tonight), headers={"accept-language": "en"})
    html = response.content.decode()
    assert [r.member for r in response.context["rsvps"]] == [
        people["anna"],
        people["ben"],
    ]
    assert "Anna Ärger" in html and "Ben Böhm" in html
    assert "Wanda" not in html and "Nina" not in html
    assert 'class="avatar avatar-md avatar-initials"' in html
    assert "0</strong> of 2 here" in html
    # Every toggle is its own little form that works without JavaScript.
    assert html.count('class="checkin-button" type="submit" aria-pressed="false"') == 2
    assert 'src="/static/js/checkin.js"' in html


def test_search_narrows_the_list_and_offers_walk_ins(
    client, orga, tonight, people
) -> None:
    client.force_login(orga)
    response = client.get(checkin_url(tonight, "an"))
    going = [r.member for r in response.context["rsvps"]]
    walk_ins = response.context["walk_ins"]
    assert going == [people["anna"]]
    # Wanda is waiting: she is a walk-in candidate, as is anyone without a seat.
    assert people["wanda"] in walk_ins
    assert people["anna"] not in walk_ins
    html = response.content.decode()
    assert (
        "On the waiting list"
        in client.get(
            checkin_url(tonight, "wanda"), headers={"accept-language": "en"}
        ).content.decode()
    )
    assert reverse("events:checkin-walk-in", args=[tonight.slug]) in html


def test_search_by_email_finds_a_member_without_rsvp(
    client, orga, tonight, people
) -> None:
    client.force_login(orga)
    response = client.get(checkin_url(tonight, "walter@"))
    assert list(response.context["walk_ins"]) == [people["walter"]]
    assert response.context["walk_ins"][0].rsvp_status is None


def test_one_letter_searches_only_the_list(client, orga, tonight, people) -> None:
    client.force_login(orga)
    response = client.get(checkin_url(tonight, "a"))
    assert response.context["walk_ins"] == []


def test_tap_here_checks_in_and_returns_to_the_list(
    client, orga, tonight, people
) -> None:
    client.force_login(orga)
    rsvp = RSVP.objects.get(event=tonight, member=people["anna"])
    response = client.post(toggle_url(rsvp), {"here": "1", "q": "ann"})
    assert response.status_code == 302
    assert (
        response["Location"]
        == checkin_url(tonight, "ann") + f"#member-{people['anna'].pk}"
    )
    rsvp.refresh_from_db()
    first = rsvp.checked_in_at
    assert first is not None
    # A second tap (or a retried request) with the same wish changes nothing.
    client.post(toggle_url(rsvp), {"here": "1"})
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at == first
    page = client.get(checkin_url(tonight), headers={"accept-language": "en"})
    assert 'aria-pressed="true"' in page.content.decode()
    assert "1</strong> of 2 here" in page.content.decode()


def test_tap_again_undoes_the_check_in(client, orga, tonight, people) -> None:
    client.force_login(orga)
    rsvp = RSVP.objects.get(event=tonight, member=people["ben"])
    client.post(toggle_url(rsvp), {"here": "1"})
    client.post(toggle_url(rsvp), {"here": "0"})
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is None
    assert rsvp.status == RSVPStatus.GOING
    entries = LogEntry.objects.filter(object_id=str(rsvp.pk)).order_by("pk")
    assert [(e.user, e.action_flag) for e in entries] == [
        (orga, CHANGE),
        (orga, CHANGE),
    ]
    # "Checked in at the door." then "Check-in undone.", in the organizer's language.
    assert entries[0].change_message and entries[1].change_message
    assert entries[0].change_message != entries[1].change_message


def test_javascript_gets_the_true_state_as_json(client, orga, tonight, people) -> None:
    client.force_login(orga)
    rsvp = RSVP.objects.get(event=tonight, member=people["anna"])
    response = client.post(
        toggle_url(rsvp), {"here": "1"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {"here": True, "here_count": 1}


def test_bad_toggle_input_changes_nothing(
    client, orga, tonight, people, make_event
) -> None:
    client.force_login(orga)
    rsvp = RSVP.objects.get(event=tonight, member=people["anna"])
    assert client.post(toggle_url(rsvp), {"here": "maybe"}).status_code == 400
    assert client.post(toggle_url(rsvp), {}).status_code == 400
    other = make_event()
    wrong = reverse("events:checkin-toggle", args=[other.slug, rsvp.pk])
    assert client.post(wrong, {"here": "1"}).status_code == 404
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is None


def test_walk_in_without_rsvp_gets_a_seat_even_when_full(
    client, orga, tonight, people
) -> None:
    client.force_login(orga)
    extra = make_user("extra@example.org", name="Extra")
    answer(tonight, extra)  # now 3 of 3: full
    url = reverse("events:checkin-walk-in", args=[tonight.slug])
    response = client.post(url, {"member": people["walter"].pk, "q": "walt"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?q=walt#member-{people['walter'].pk}")
    rsvp = RSVP.objects.get(event=tonight, member=people["walter"])
    assert rsvp.status == RSVPStatus.GOING and rsvp.checked_in_at is not None
    assert tonight.rsvps.going().count() == 4  # the Orga-Team's override
    entry = LogEntry.objects.get(object_id=str(rsvp.pk))
    assert entry.user == orga and entry.action_flag == ADDITION


def test_walk_in_from_the_waiting_list_moves_into_a_seat(
    client, orga, tonight, people
) -> None:
    client.force_login(orga)
    url = reverse("events:checkin-walk-in", args=[tonight.slug])
    client.post(url, {"member": people["wanda"].pk})
    rsvp = RSVP.objects.get(event=tonight, member=people["wanda"])
    assert rsvp.status == RSVPStatus.GOING
    assert rsvp.waiting_since is None and rsvp.checked_in_at is not None
    assert RSVP.objects.filter(event=tonight).count() == 4  # no duplicate


def test_here_on_a_waiting_rsvp_lets_them_in(client, orga, tonight, people) -> None:
    client.force_login(orga)
    rsvp = RSVP.objects.get(event=tonight, member=people["wanda"])
    client.post(toggle_url(rsvp), {"here": "1"})
    rsvp.refresh_from_db()
    assert rsvp.status == RSVPStatus.GOING and rsvp.checked_in_at is not None


def test_walk_in_with_a_bad_member_changes_nothing(
    client, orga, tonight, people
) -> None:
    client.force_login(orga)
    url = reverse("events:checkin-walk-in", args=[tonight.slug])
    for bad in [{"member": "999999"}, {"member": "abc"}, {}]:
        response = client.post(url, bad)
        assert response.status_code == 302
    assert RSVP.objects.filter(event=tonight).count() == 4


def test_no_check_in_at_a_cancelled_evening(client, orga, tonight, people) -> None:
    client.force_login(orga)
    Event.objects.filter(pk=tonight.pk).update(status=EventStatus.CANCELLED)
    rsvp = RSVP.objects.get(event=tonight, member=people["anna"])
    response = client.post(toggle_url(rsvp), {"here": "1"}, follow=True)
    assert (
        "cancelled" in response.content.decode()
        or "abgesagt" in response.content.decode()
    )
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is None
    json = client.post(
        toggle_url(rsvp), {"here": "1"}, headers={"accept": "application/json"}
    )
    assert json.status_code == 409
    walk_in = reverse("events:checkin-walk-in", args=[tonight.slug])
    client.post(walk_in, {"member": people["walter"].pk})
    assert not RSVP.objects.filter(member=people["walter"]).exists()


def test_check_ins_feed_the_recap_attendance(client, orga, tonight, people) -> None:
    client.force_login(orga)
    rsvp = RSVP.objects.get(event=tonight, member=people["anna"])
    client.post(toggle_url(rsvp), {"here": "1"})
    assert (
        tonight.rsvps.filter(checked_in_at__isnull=False).get().member == people["anna"]
    )


def test_an_evening_that_is_not_today_carries_a_warning(
    client, orga, make_event
) -> None:
    client.force_login(orga)
    later = make_event(starts_at=timezone.now() + timedelta(days=10))
    response = client.get(checkin_url(later), headers={"accept-language": "en"})
    assert response.context["is_today"] is False
    assert "not today" in response.content.decode()


@pytest.mark.parametrize("query", ["", "mit"])
def test_check_in_list_query_count_does_not_grow(
    client, orga, make_event, query
) -> None:
    small, big = make_event(), make_event()
    for n, event in enumerate([small, big]):
        for member in members(3 if event is small else 30, prefix=f"e{n}x"):
            answer(
                event, member, checked_in_at=timezone.now() if member.pk % 2 else None
            )
    client.force_login(orga)
    client.get(checkin_url(small, query))  # warm caches (content types, ...)
    few = count_queries(lambda: client.get(checkin_url(small, query)))
    many = count_queries(lambda: client.get(checkin_url(big, query)))
    assert few == many
    assert many <= 6  # user, permissions, event, list, walk-ins (when searching)
