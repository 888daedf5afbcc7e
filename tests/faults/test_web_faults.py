"""gunicorn as shipped (gunicorn.conf.py, 2 worker processes) against the test
database, with the database task queue: a worker killed mid-request loses no
confirmation mail, and a limit counts across both processes."""

import os
import re
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from events.models import RSVP, Comment, MailKind
from scripts.prodserver import collectstatic, free_port, gunicorn
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event
from tests.faults.support import alive, children_of, database_url, worker_env

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.real_clock,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs Postgres (other processes)"
    ),
]


CONFIRMATION_TASK = "events.tasks.send_rsvp_email"


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple]:
    with django_db_blocker.unblock():
        url = database_url()
    folder = tmp_path_factory.mktemp("web-faults")
    env = worker_env(
        folder,
        url,
        DJANGO_STATIC_ROOT=str(folder / "static"),
        GUNICORN_WORKERS="2",
        # The sessions made here are signed with the test's key.
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
    )
    collectstatic(env)
    port = free_port()
    log = folder / "gunicorn.log"
    with gunicorn(env, port, log) as base_url:
        yield base_url, log


def master_pid(log: Path) -> int:
    """gunicorn logs "[time] [PID] [INFO] Starting gunicorn ..." from its master."""
    (pid,) = re.findall(r"\[(\d+)\] \[INFO\] Starting gunicorn", log.read_text())
    return int(pid)


def session_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def post(base_url: str, path: str, session: str, data: dict) -> int | str:
    """A logged-in form post with a CSRF cookie and header; the status, or the
    error when the connection broke (a killed worker)."""
    token = secrets.token_hex(16)  # 32 characters, as Django's secret
    request = Request(
        base_url + path,
        data=urlencode({**data, "csrfmiddlewaretoken": token}).encode(),
        headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; "
            f"{settings.CSRF_COOKIE_NAME}={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    try:
        with build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status
    except HTTPError as error:
        return error.code
    except (URLError, ConnectionError, TimeoutError) as error:
        return type(error).__name__


def in_parallel(jobs: list) -> list:
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(n: int) -> None:
        barrier.wait(timeout=30)
        results[n] = jobs[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    return [threads, results]


def test_killing_a_worker_during_30_rsvps_loses_no_confirmation(
    server, make_event
) -> None:
    """kill -9 one gunicorn worker while 30 members say yes at once. Whatever
    committed has its confirmation queued (the outbox), exactly once; a member
    whose request died tries again, as a person would."""
    base_url, log = server
    event = make_event(capacity=None)
    members = [make_user(f"rsvp{n}@example.org") for n in range(30)]
    sessions = [session_for(m) for m in members]
    path = reverse("events:rsvp", args=[event.slug])
    workers = children_of(master_pid(log))
    assert len(workers) == 2, workers

    threads, results = in_parallel(
        [(lambda s=s: post(base_url, path, s, {"answer": "going"})) for s in sessions]
    )
    # Kill as soon as the first RSVPs commit: others are then in flight.
    deadline = time.monotonic() + 20
    while not RSVP.objects.filter(event=event).exists():
        assert time.monotonic() < deadline, "no RSVP arrived"
        time.sleep(0.005)
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=60)
    outcome = Counter(results)
    committed_at_kill = RSVP.objects.filter(event=event).count()

    # Those whose request broke try again.
    for n, result in enumerate(results):
        if result != 302:
            for _ in range(20):
                if post(base_url, path, sessions[n], {"answer": "going"}) == 302:
                    break
                time.sleep(0.25)

    rsvps = list(RSVP.objects.filter(event=event))
    assert len(rsvps) == 30
    queued = Counter(
        tuple(task.args_kwargs["args"])
        for task in DBTaskResult.objects.filter(
            task_path="events.tasks.send_rsvp_email"
        )
    )
    for rsvp in rsvps:
        assert queued[(MailKind.CONFIRMATION, rsvp.pk)] == 1, rsvp
    assert sum(queued.values()) == 30
    assert not alive(victim)
    print(f"first round: {dict(outcome)}; {committed_at_kill} RSVPs committed then")


def test_24_parallel_comments_through_two_processes_let_exactly_5_through(
    server, make_event, organizer
) -> None:
    base_url, log = server
    recap = make_recap(past_event(make_event), author=organizer)
    member = make_user("writer@example.org")
    session = session_for(member)
    path = reverse("events:comment-create", args=[recap.slug])
    assert len(children_of(master_pid(log))) == 2
    threads, results = in_parallel(
        [
            (lambda n=n: post(base_url, path, session, {"body": f"Nr. {n}"}))
            for n in range(24)
        ]
    )
    for thread in threads:
        thread.join(timeout=60)
    assert Counter(results) == {302: 5, 429: 19}
    assert Comment.objects.filter(author=member).count() == 5
