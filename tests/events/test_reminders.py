"""`send_reminders`: the day before, once per member and evening, whatever the cron."""

import threading
from datetime import timedelta
from functools import partial
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Profile
from events.models import RSVP, EventStatus
from events.tasks import _reminder_subject
from somehub.lib.dates import format_local
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return partial(django_capture_on_commit_callbacks, execute=True)


def soon(make_event, hours: float, **overrides):
    start = timezone.now() + timedelta(hours=hours)
    return make_event(starts_at=start, ends_at=start + timedelta(hours=3), **overrides)


def run_command() -> str:
    out = StringIO()
    Profile.objects.update(notify_reminders=True)
    call_command("send_reminders", stdout=out)
    return out.getvalue()


def test_each_member_is_reminded_once_across_runs(
    make_event, member, stranger, mailoutbox, committed
) -> None:
    event = soon(make_event, 20)
    event.rsvp(member)
    event.rsvp(stranger)
    with committed():
        first = run_command()
    with committed():
        second = run_command()
        third = run_command()
    assert "Reminders queued: 2" in first
    assert "Reminders queued: 0" in second and "Reminders queued: 0" in third
    assert sorted(m.to[0] for m in mailoutbox) == [member.email, stranger.email]
    assert RSVP.objects.filter(reminder_sent_at__isnull=True).count() == 0


def test_only_seats_at_evenings_within_a_day_are_reminded(
    make_event, mailoutbox, committed
) -> None:
    a, b, c, d, e, f = (make_user(f"{x}@example.org") for x in "abcdef")
    soon(make_event, 23).rsvp(a)  # due
    soon(make_event, 30).rsvp(b)  # too early: next run
    waiting_event = soon(make_event, 10, capacity=1)
    waiting_event.rsvp(c)  # due
    waiting_event.rsvp(d)  # waiting: no reminder
    soon(make_event, 10).decline(e)  # not going
    cancelled = soon(make_event, 10)
    cancelled.rsvp(f)
    cancelled.cancel()
    with committed():
        run_command()
    assert sorted(m.to[0] for m in mailoutbox) == [a.email, c.email]


def test_started_events_get_no_reminder(make_event, member, mailoutbox) -> None:
    event = soon(make_event, 5)
    event.rsvp(member)
    event.starts_at = timezone.now() - timedelta(minutes=1)
    event.save()
    assert "Reminders queued: 0" in run_command()


def test_cancelling_and_coming_back_does_not_remind_twice(
    make_event, member, mailoutbox, committed
) -> None:
    event = soon(make_event, 20)
    rsvp = event.rsvp(member)
    with committed():
        run_command()
    rsvp.cancel()
    event.rsvp(member)
    with committed():
        run_command()
    assert len([m for m in mailoutbox if m.to == [member.email]]) == 1


def test_promoted_member_gets_a_reminder_too(
    make_event, member, stranger, mailoutbox, committed
) -> None:
    event = soon(make_event, 20, capacity=1)
    first = event.rsvp(stranger)
    event.rsvp(member)
    with committed():
        run_command()
    with committed():
        first.cancel()
    with committed():
        run_command()
    to_member = [m.subject for m in mailoutbox if m.to == [member.email]]
    with translation.override("de"):
        expected = [
            "[#SoMeH] "
            + gettext("A place became free, you're in: %(title)s, %(date)s")
            % {"title": event.title, "date": format_local(event.starts_at, "day")},
            # "Tomorrow", or "Tonight" when the clock is past midnight already.
            "[#SoMeH] "
            + _reminder_subject(event)
            % {
                "title": event.title,
                "date": format_local(event.starts_at, "day"),
                "time": format_local(event.starts_at, "time"),
            },
        ]
    assert to_member == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres")
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_remind_each_member_once(make_event, mailoutbox) -> None:
    event = soon(make_event, 20, status=EventStatus.PUBLISHED, capacity=None)
    for i in range(10):
        event.rsvp(make_user(f"r{i}@example.org"))
    mailoutbox.clear()
    barrier = threading.Barrier(3)

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            run_command()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    recipients = [m.to[0] for m in mailoutbox]
    assert len(recipients) == 10 and len(set(recipients)) == 10


def test_only_members_who_want_reminders_get_them(
    make_event, member, stranger, mailoutbox, committed
) -> None:
    event = soon(make_event, 20)
    event.rsvp(member)
    event.rsvp(stranger)
    mailoutbox.clear()
    Profile.objects.filter(user=stranger).update(notify_reminders=True)
    with committed():
        call_command("send_reminders", stdout=StringIO())
    assert [m.to for m in mailoutbox] == [[stranger.email]]
    # Mia did not ask for reminders; should she turn them on, she still gets hers.
    assert RSVP.objects.get(member=member).reminder_sent_at is None
