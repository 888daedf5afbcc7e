"""The mail worker (`db_worker`) loses no mail: not when it is killed mid-queue, not
when the database goes away under it. Real processes on 127.0.0.1, bounded in time.
"""

import os
import signal
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from events.models import MailKind
from tests.conftest import make_user
from tests.faults.support import (
    CuttableLink,
    database_url,
    db_worker,
    message_ids,
    via_port,
    wait_until,
    worker_env,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.real_clock,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs Postgres (other processes)"
    ),
]

DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)
CONFIRMATION = "events.tasks.send_rsvp_email"


def queue_confirmations(make_event, count: int, prefix: str = "m") -> object:
    """`count` members say yes; each RSVP queues its confirmation with it."""
    event = make_event(capacity=None)
    with DATABASE_QUEUE:
        for n in range(count):
            event.rsvp(make_user(f"{prefix}{n}@example.org"))
    return event


def statuses() -> dict[str, int]:
    rows = DBTaskResult.objects.filter(task_path=CONFIRMATION)
    return {s: rows.filter(status=s).count() for s in TaskResultStatus.values}


def test_rsvps_queue_their_mail_in_the_same_transaction(make_event, member) -> None:
    event = make_event()
    with DATABASE_QUEUE:
        rsvp = event.rsvp(member)
    (task,) = DBTaskResult.objects.filter(task_path=CONFIRMATION)
    assert task.args_kwargs["args"] == [MailKind.CONFIRMATION, rsvp.pk]


def test_a_task_left_running_by_a_dead_worker_is_sent_again(
    make_event, member, mailoutbox
) -> None:
    event = make_event()
    with DATABASE_QUEUE:
        event.rsvp(member)
        # A worker claimed it and died: RUNNING, started long ago.
        DBTaskResult.objects.update(
            status=TaskResultStatus.RUNNING,
            started_at=timezone.now() - timedelta(minutes=11),
            worker_ids=["dead-worker"],
        )
        call_command("db_worker", "--batch", "--no-reload", stdout=StringIO())
    (task,) = DBTaskResult.objects.all()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_a_task_running_for_less_than_the_timeout_is_left_alone(
    make_event, member, mailoutbox
) -> None:
    event = make_event()
    with DATABASE_QUEUE:
        event.rsvp(member)
        DBTaskResult.objects.update(
            status=TaskResultStatus.RUNNING,
            started_at=timezone.now() - timedelta(minutes=2),
            worker_ids=["busy-worker"],
        )
        call_command("db_worker", "--batch", "--no-reload", stdout=StringIO())
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
    assert mailoutbox == []


def test_a_task_that_killed_five_workers_is_given_up(make_event, member) -> None:
    event = make_event()
    with DATABASE_QUEUE:
        event.rsvp(member)
        DBTaskResult.objects.update(
            status=TaskResultStatus.RUNNING,
            started_at=timezone.now() - timedelta(hours=1),
            worker_ids=[f"w{n}" for n in range(5)],
        )
        call_command("db_worker", "--batch", "--no-reload", stdout=StringIO())
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.FAILED
    assert "AbandonedTaskError" in task.exception_class_path


def test_killing_the_worker_mid_queue_loses_no_mail(make_event, tmp_path: Path) -> None:
    """kill -9 while it sends 100 mails, start it again: all 100 go out.

    A mail can go out twice only if the kill falls between the mail server's "OK"
    and the worker writing the result; both copies then carry one Message-ID.
    """
    queue_confirmations(make_event, 100)
    env = worker_env(tmp_path, database_url())
    mail = tmp_path / "mail"
    log = tmp_path / "worker.log"
    with db_worker(env, log, "--reclaim-after", "2") as first:
        wait_until(lambda: sum(message_ids(mail).values()) >= 30, 40, "30 mails")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    sent_before_restart = sum(message_ids(mail).values())
    left_running = statuses()[TaskResultStatus.RUNNING]
    assert sent_before_restart < 100, "the worker finished before it was killed"
    with db_worker(env, log, "--reclaim-after", "2"):
        wait_until(
            lambda: statuses()[TaskResultStatus.SUCCESSFUL] == 100,
            45,
            "every task to succeed after the restart",
        )
    ids = message_ids(mail)
    duplicates = sum(ids.values()) - len(ids)
    print(
        f"killed after {sent_before_restart} mails, {left_running} task(s) left "
        f"running, 100 sent, {duplicates} duplicate(s)"
    )
    assert len(ids) == 100
    assert duplicates <= left_running <= 1


def test_the_worker_carries_on_after_the_database_was_away_for_10_seconds(
    make_event, tmp_path: Path
) -> None:
    """Postgres gone for 10 s (connections dropped, new ones refused) under a
    running worker: it waits, then sends what was queued meanwhile, same process."""
    db = connection.settings_dict
    mail = tmp_path / "mail"
    with CuttableLink(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as link:
        env = worker_env(tmp_path, via_port(database_url(), link.port))
        with db_worker(env, tmp_path / "worker.log") as worker:
            queue_confirmations(make_event, 3, prefix="before")
            wait_until(lambda: len(message_ids(mail)) == 3, 30, "the first mails")
            link.cut()
            queue_confirmations(make_event, 3, prefix="during")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                assert worker.poll() is None, "the worker exited during the outage"
                time.sleep(0.5)
            link.mend()
            wait_until(lambda: len(message_ids(mail)) == 6, 40, "the mails queued")
            assert worker.poll() is None
    log = (tmp_path / "worker.log").read_text()
    assert "The database is not answering" in log
    assert statuses()[TaskResultStatus.SUCCESSFUL] == 6
