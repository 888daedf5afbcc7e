"""RSVP rules on the models: seats, the fair waiting list, promotion, refusals."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from events.models import RSVP, EventStatus, RSVPError, RSVPStatus
from events.models.status import Attendance, AttendanceMode
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def people(n: int, prefix: str = "p") -> list:
    return [make_user(f"{prefix}{i}@example.org", name=f"Person {i}") for i in range(n)]


def statuses(event) -> dict[str, str]:
    return dict(event.rsvps.values_list("member__email", "status"))


def test_rsvp_takes_a_free_seat(make_event, member) -> None:
    event = make_event(capacity=2)
    rsvp = event.rsvp(member)
    assert rsvp.status == RSVPStatus.GOING
    assert rsvp.waiting_since is None


def test_full_event_puts_member_on_waiting_list_first_come_first_served(
    make_event,
) -> None:
    event = make_event(capacity=2)
    a, b, c, d = people(4)
    for person in (a, b, c, d):
        event.rsvp(person)
    waiting = list(event.rsvps.waiting().values_list("member", flat=True))
    assert waiting == [c.pk, d.pk]
    assert RSVP.objects.get(event=event, member=c).waiting_list_position() == 1
    assert RSVP.objects.get(event=event, member=d).waiting_list_position() == 2
    assert event.rsvps.going().count() == 2


def test_saying_yes_twice_changes_nothing(make_event, member) -> None:
    event = make_event(capacity=1)
    first = event.rsvp(member)
    again = event.rsvp(member)
    assert first.pk == again.pk
    assert again.status == RSVPStatus.GOING
    assert event.rsvps.count() == 1


def test_waiting_twice_keeps_the_place_in_line(make_event) -> None:
    event = make_event(capacity=1)
    a, b, c = people(3)
    event.rsvp(a)
    event.rsvp(b)
    since = RSVP.objects.get(member=b).waiting_since
    event.rsvp(c)
    event.rsvp(b)
    assert RSVP.objects.get(member=b).waiting_since == since
    assert RSVP.objects.get(member=b).waiting_list_position() == 1


def test_cancelling_a_seat_promotes_the_first_waiting(make_event) -> None:
    event = make_event(capacity=1)
    a, b, c = people(3)
    seat = event.rsvp(a)
    event.rsvp(b)
    event.rsvp(c)
    promoted = seat.cancel()
    assert [r.member_id for r in promoted] == [b.pk]
    assert statuses(event) == {
        a.email: RSVPStatus.NOT_GOING,
        b.email: RSVPStatus.GOING,
        c.email: RSVPStatus.WAITING,
    }
    assert RSVP.objects.get(member=b).promoted_at is not None
    assert RSVP.objects.get(member=c).waiting_list_position() == 1


def test_cancelling_twice_promotes_only_once(make_event) -> None:
    event = make_event(capacity=1)
    a, b, c = people(3)
    seat = event.rsvp(a)
    event.rsvp(b)
    event.rsvp(c)
    stale_copy = RSVP.objects.get(pk=seat.pk)
    seat.cancel()
    assert stale_copy.cancel() == []
    assert event.rsvps.going().count() == 1
    assert RSVP.objects.get(member=c).status == RSVPStatus.WAITING


def test_leaving_the_waiting_list_promotes_nobody(make_event) -> None:
    event = make_event(capacity=1)
    a, b, c = people(3)
    event.rsvp(a)
    waiting = event.rsvp(b)
    event.rsvp(c)
    assert waiting.cancel() == []
    assert RSVP.objects.get(member=c).waiting_list_position() == 1


def test_decline_frees_the_seat_for_the_waiting_list(make_event) -> None:
    event = make_event(capacity=1)
    a, b = people(2)
    event.rsvp(a)
    event.rsvp(b)
    event.decline(a)
    assert statuses(event) == {a.email: "not_going", b.email: "going"}


def test_decline_without_rsvp_records_not_going(make_event, member) -> None:
    event = make_event()
    rsvp = event.decline(member)
    assert rsvp.status == RSVPStatus.NOT_GOING
    assert event.decline(member).pk == rsvp.pk


def test_coming_back_after_cancelling_joins_the_end_of_the_line(make_event) -> None:
    event = make_event(capacity=1)
    a, b, c = people(3)
    seat = event.rsvp(a)
    event.rsvp(b)
    seat.cancel()  # b moves up
    event.rsvp(c)  # c waits
    back = event.rsvp(a)
    assert back.status == RSVPStatus.WAITING
    assert back.waiting_list_position() == 2


def test_raising_capacity_promotes_in_order(make_event) -> None:
    event = make_event(capacity=1)
    a, b, c, d = people(4)
    for person in (a, b, c, d):
        event.rsvp(person)
    event.change_capacity(3)
    assert statuses(event) == {
        a.email: "going",
        b.email: "going",
        c.email: "going",
        d.email: "waiting",
    }


def test_change_capacity_returns_who_moved_up(make_event) -> None:
    event = make_event(capacity=1)
    a, b, c = people(3)
    for person in (a, b, c):
        event.rsvp(person)
    promoted = event.change_capacity(2)
    assert [r.member_id for r in promoted] == [b.pk]
    assert event.capacity == 2


def test_removing_the_limit_promotes_everyone(make_event) -> None:
    event = make_event(capacity=1)
    for person in people(4):
        event.rsvp(person)
    event.change_capacity(None)
    assert event.rsvps.going().count() == 4
    assert not event.rsvps.waiting().exists()


def test_lowering_capacity_below_those_going_is_refused(make_event) -> None:
    event = make_event(capacity=3)
    for person in people(3):
        event.rsvp(person)
    with pytest.raises(ValidationError) as info:
        event.change_capacity(2)
    assert "capacity" in info.value.message_dict
    event.refresh_from_db()
    assert event.capacity == 3


def test_lowering_capacity_to_what_is_taken_is_fine(make_event) -> None:
    event = make_event(capacity=5)
    for person in people(2):
        event.rsvp(person)
    event.change_capacity(2)
    assert event.capacity == 2


def test_no_capacity_means_everyone_goes(make_event) -> None:
    event = make_event(capacity=None)
    for person in people(5):
        assert event.rsvp(person).status == RSVPStatus.GOING


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": EventStatus.DRAFT}, "not published"),
        ({"status": EventStatus.CANCELLED}, "cancelled"),
        ({"starts_at": timezone.now() - timedelta(days=2)}, "already started"),
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "already started"),
        ({"rsvp_opens_at": timezone.now() + timedelta(days=1)}, "RSVPs open on"),
        ({"rsvp_closes_at": timezone.now() - timedelta(hours=1)}, "closed"),
    ],
)
def test_rsvp_is_refused_and_nothing_changes(
    make_event, member, overrides, message
) -> None:
    event = make_event(**overrides)
    with pytest.raises(RSVPError) as info:
        event.rsvp(member)
    assert message in str(info.value.message)
    assert not RSVP.objects.exists()


def test_unverified_member_cannot_rsvp(make_event) -> None:
    unverified = make_user("new@example.org", verified=False)
    event = make_event()
    with pytest.raises(RSVPError, match="confirm your e-mail"):
        event.rsvp(unverified)
    with pytest.raises(RSVPError, match="confirm your e-mail"):
        event.decline(unverified)
    assert not RSVP.objects.exists()


def test_cancelling_after_the_start_is_refused(make_event, member) -> None:
    event = make_event()
    rsvp = event.rsvp(member)
    event.starts_at = timezone.now() - timedelta(minutes=5)
    event.ends_at = event.starts_at + timedelta(hours=3)
    event.save()
    with pytest.raises(RSVPError):
        rsvp.cancel()
    assert RSVP.objects.get(pk=rsvp.pk).status == RSVPStatus.GOING


def test_seat_can_be_given_up_after_rsvps_close(make_event) -> None:
    event = make_event(capacity=1)
    a, b = people(2)
    seat = event.rsvp(a)
    event.rsvp(b)
    event.rsvp_closes_at = timezone.now() - timedelta(minutes=1)
    event.save()
    seat.cancel()
    assert RSVP.objects.get(member=b).status == RSVPStatus.GOING


def test_rsvp_window_must_close_after_it_opens(make_event) -> None:
    now = timezone.now()
    event = make_event(rsvp_opens_at=now, rsvp_closes_at=now - timedelta(days=1))
    with pytest.raises(ValidationError) as info:
        event.clean()
    assert "rsvp_closes_at" in info.value.message_dict


def test_counts_and_the_viewers_answer_come_from_one_query_their_place_from_another(
    make_event, django_assert_num_queries
) -> None:
    event = make_event(
        capacity=2, attendance_mode=AttendanceMode.HYBRID, online_capacity=5
    )
    other = make_event(capacity=None)
    a, b, c, d, e = people(5)
    for person in (a, b, c):
        event.rsvp(person)
    event.rsvp(d, attendance=Attendance.ONLINE)
    event.decline(e)
    other.rsvp(a)
    from events.models import Event, note_rsvps

    events = list(Event.objects.filter(pk__in=[event.pk, other.pk]).order_by("pk"))
    # The counts and the viewer's answers; their place on the waiting list.
    with django_assert_num_queries(2):
        note_rsvps(events, c)
    shown, also = events
    annotated = Event.objects.with_rsvp_counts().get(pk=event.pk)
    for name in ("going_count", "waiting_count", "online_going_count"):
        assert getattr(shown, name) == getattr(annotated, name), name
    assert (shown.going_count, shown.waiting_count, shown.online_going_count) == (
        3,
        1,
        1,
    )
    assert (also.going_count, also.waiting_count) == (1, 0)
    assert shown.my_rsvp_status == RSVPStatus.WAITING
    assert shown.my_waiting_position == 1
    assert also.my_rsvp_status is None
    assert shown.is_full
    assert shown.seats_left == 0
    assert shown.seats_fill_step == 100
    # Someone going has no place to count; a visitor has no answer.
    with django_assert_num_queries(1):
        note_rsvps(events, a)
    assert (shown.my_rsvp_status, shown.my_waiting_position) == (
        RSVPStatus.GOING,
        None,
    )
    assert also.my_rsvp_status == RSVPStatus.GOING
    note_rsvps(events, AnonymousUser())
    assert [x.my_rsvp_status for x in events] == [None, None]
    assert shown.going_count == 3


def test_export_member_data_lists_only_the_members_rsvps(
    make_event, member, stranger
) -> None:
    event = make_event()
    event.rsvp(member)
    event.rsvp(stranger)
    data = apps.get_app_config("events").export_member_data(member)
    assert len(data["rsvps"]) == 1
    entry = data["rsvps"][0]
    assert entry["status"] == "going"
    assert entry["event"] == event.title
    assert entry["event_url"].endswith(event.get_absolute_url())
