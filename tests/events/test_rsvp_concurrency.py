"""Never more going than seats: concurrent RSVPs and cancellations on Postgres.

Each thread has its own database connection and commits for real, so the
event row lock (SELECT ... FOR UPDATE) is what keeps the numbers right.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from events.models import RSVP, Event, RSVPStatus
from tests.conftest import make_user

THREADS = 30
SEATS = 10


def run_together(jobs: list[Callable[[], Any]]) -> list[BaseException]:
    """Run each job in its own thread, all released at once; return the errors."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


@pytest.fixture
def crowd(db: None) -> list:
    return [
        make_user(f"crowd{i}@example.org", name=f"Crowd {i}") for i in range(THREADS)
    ]


def rsvp_job(event_id: int, member: Any) -> Callable[[], Any]:
    return lambda: Event.objects.get(pk=event_id).rsvp(member)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres locks")
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_rsvps_fill_exactly_ten_seats(
    make_event, crowd, mailoutbox
) -> None:
    event = make_event(capacity=SEATS)

    errors = run_together([rsvp_job(event.pk, member) for member in crowd])

    assert errors == []
    assert event.rsvps.going().count() == SEATS
    waiting = list(event.rsvps.waiting().with_waiting_position())
    assert len(waiting) == THREADS - SEATS
    # A consistent order: positions 1..20 follow the time each joined and the
    # order the rows were written, with no ties.
    assert [r.waiting_position for r in waiting] == list(range(1, THREADS - SEATS + 1))
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)
    times = [r.waiting_since for r in waiting]
    assert times == sorted(times) and len(set(times)) == len(times)
    going_ids = set(event.rsvps.going().values_list("pk", flat=True))
    assert all(going_id < waiting[0].pk for going_id in going_ids)
    # Everyone got exactly one confirmation.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in crowd)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_promote_each_waiting_member_once(
    make_event, crowd, mailoutbox
) -> None:
    event = make_event(capacity=SEATS)
    for member in crowd:
        event.rsvp(member)
    going = list(event.rsvps.going())
    queue = [r.member_id for r in event.rsvps.waiting()]
    mailoutbox.clear()

    # Every seat holder cancels, several of them twice at the same moment
    # (double submit): the ten freed seats go to the first ten in line.
    cancels = [RSVP.objects.get(pk=r.pk).cancel for r in going]
    cancels += [RSVP.objects.get(pk=r.pk).cancel for r in going[:5]]
    errors = run_together(cancels)

    assert errors == []
    now_going = list(event.rsvps.going().order_by("promoted_at", "pk"))
    assert sorted(r.member_id for r in now_going) == sorted(queue[:SEATS])
    assert all(r.promoted_at is not None for r in now_going)
    assert [r.member_id for r in event.rsvps.waiting()] == queue[SEATS:]
    assert event.rsvps.filter(status=RSVPStatus.NOT_GOING).count() == SEATS
    promotion_mails = [m.to[0] for m in mailoutbox]
    assert len(promotion_mails) == SEATS
    assert len(set(promotion_mails)) == SEATS
