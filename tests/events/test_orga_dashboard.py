"""The Orga-Team's dashboard: fill rates, attendance and no-shows, member growth and
the field mix, on known data; and a query count that does not grow."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Field, Profile, User
from events.models import EventStatus, RSVPStatus
from events.models.stats import Dashboard, percent
from tests.events.orga_support import answer, count_queries, make_orga, members

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 28, 12, tzinfo=BERLIN)


@pytest.fixture
def known(make_event):
    """Two coming dates, two past evenings, members who joined at known times."""
    orga = make_orga()
    soon = make_event(
        title="Bald", starts_at=NOW + timedelta(days=3, hours=7), capacity=20
    )
    draft = make_event(
        title="Entwurf",
        starts_at=NOW + timedelta(days=30),
        capacity=None,
        status=EventStatus.DRAFT,
    )
    make_event(
        title="Abgesagt",
        starts_at=NOW + timedelta(days=10),
        status=EventStatus.CANCELLED,
    )
    checked = make_event(title="Mit Einlass", starts_at=NOW - timedelta(days=30))
    unchecked = make_event(title="Ohne Einlass", starts_at=NOW - timedelta(days=60))
    people = members(12, prefix="k")
    for person in people[:10]:
        answer(soon, person)
    for person in people[10:]:
        answer(soon, person, RSVPStatus.WAITING, waiting_since=NOW)
    for n, person in enumerate(people[:8]):
        answer(checked, person, checked_in_at=checked.starts_at if n < 6 else None)
    answer(checked, people[8], RSVPStatus.NOT_GOING)
    for person in people[:4]:
        answer(unchecked, person)
    # Who joined when: 3 long ago, 2 in September, the rest (13) this month.
    old = members(3, prefix="old")
    september = members(2, prefix="sep")
    User.objects.filter(pk__in=[u.pk for u in old]).update(
        date_joined=datetime(2025, 6, 15, tzinfo=BERLIN)
    )
    User.objects.filter(pk__in=[u.pk for u in september]).update(
        date_joined=datetime(2026, 9, 10, tzinfo=BERLIN)
    )
    gone = members(1, prefix="gone")[0]
    User.objects.filter(pk=gone.pk).update(is_active=False)
    Profile.objects.filter(user__in=people[:3]).update(field=Field.RECRUITING)
    Profile.objects.filter(user__in=people[3:5]).update(field=Field.AGENCY)
    Profile.objects.filter(user=people[5]).update(field=Field.TAX_ADVICE)
    return {
        "orga": orga,
        "soon": soon,
        "draft": draft,
        "checked": checked,
        "unchecked": unchecked,
    }


@pytest.mark.frozen(NOW)
def test_next_dates_with_fill_rate_and_waiting_list(known) -> None:
    board = Dashboard.build()
    assert [e.title for e in board.upcoming] == ["Bald", "Entwurf"]  # not the cancelled
    soon, draft = board.upcoming
    assert (soon.going_count, soon.capacity, soon.fill_rate) == (10, 20, 50)
    assert soon.waiting_count == 2
    assert draft.fill_rate is None  # no limit, no rate


@pytest.mark.frozen(NOW)
def test_past_evenings_with_attendance_and_no_shows(known) -> None:
    board = Dashboard.build()
    assert [e.title for e in board.past] == ["Mit Einlass", "Ohne Einlass"]
    checked, unchecked = board.past
    assert (checked.going_count, checked.checked_in_count, checked.no_show_count) == (
        8,
        6,
        2,
    )
    assert checked.no_show_rate == 25
    # Without any check-in there is no telling who came: no rate rather than 100 %.
    assert unchecked.uses_check_in is False and unchecked.no_show_rate is None
    assert board.no_show_rate == 25


@pytest.mark.frozen(NOW)
def test_member_growth_per_month(known) -> None:
    board = Dashboard.build()
    months = [bar.label for bar in board.growth]
    assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 11, 1)
    joined = {bar.label: bar.value for bar in board.growth}
    # 12 attendees, 1 organizer this month; 2 in September; inactive ones do not count.
    assert joined[date(2026, 11, 1)] == 13
    assert joined[date(2026, 9, 1)] == 2
    assert sum(joined.values()) == 15
    assert board.members_total == 18  # with the 3 who joined before the window
    assert [bar.extra for bar in board.growth][-1] == 18  # running total
    assert board.growth[-1].width == 100 and joined[date(2026, 1, 1)] == 0


@pytest.mark.frozen(NOW)
def test_field_mix_of_active_members(known) -> None:
    mix = {bar.label: bar.value for bar in Dashboard.build().field_mix}
    assert mix == {
        "": 12,
        Field.RECRUITING: 3,
        Field.AGENCY: 2,
        Field.TAX_ADVICE: 1,
    }


def test_percent_is_none_without_a_whole() -> None:
    assert percent(3, 0) is None and percent(3, None) is None
    assert percent(1, 3) == 33


@pytest.mark.frozen(NOW)
def test_dashboard_page_shows_the_numbers(client, known) -> None:
    client.force_login(known["orga"])
    response = client.get(
        reverse("events:orga-dashboard"), headers={"accept-language": "en"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "10 of 20 places taken (50%)" in html
    assert "2 on the waiting list" in html
    assert "nobody checked in" in html
    assert "Overall no-show rate: 25%" in html
    assert '<rect class="bar-fill" width="50" height="10"/>' in html
    assert "Recruiting" in html and "<strong>18</strong> members" in html
    assert reverse("events:checkin", args=[known["soon"].slug]) in html
    assert "style=" not in html  # strict CSP: bars are SVG attributes, not styles


def test_dashboard_without_data_shows_empty_states(client, db) -> None:
    client.force_login(make_orga())
    html = client.get(
        reverse("events:orga-dashboard"), headers={"accept-language": "en"}
    )
    assert "No dates planned" in html.content.decode()
    assert "No past evenings yet" in html.content.decode()


def test_dashboard_query_count_does_not_grow(client, make_event) -> None:
    orga = make_orga()

    def fill(count: int, prefix: str) -> None:
        people = members(count, prefix=prefix)
        for n in range(count):
            start = timezone.now() + timedelta(days=(n + 1) * (1 if n % 2 else -1))
            event = make_event(starts_at=start)
            answer(event, people[n], checked_in_at=timezone.now() if n % 3 else None)

    fill(3, "a")
    client.force_login(orga)
    client.get(reverse("events:orga-dashboard"))
    few = count_queries(lambda: client.get(reverse("events:orga-dashboard")))
    fill(30, "b")
    many = count_queries(lambda: client.get(reverse("events:orga-dashboard")))
    # 9 for the figures, 5 for the to-do list (reports, photos to approve,
    # waiting lists and drafts, recaps to write, Impuls proposals: one each).
    assert few == many <= 14
