"""django-tasks-db's `db_worker`, made to outlive what befalls a long-running process.

django-tasks-db 0.13 (the newest release) leaves a task RUNNING for ever when its
worker dies, and its worker exits on the first database error. This command keeps
the library's options and adds:

- **reclaim**: a task RUNNING for longer than `--reclaim-after` seconds (default
  TASKS_RECLAIM_AFTER, 10 minutes) was left by a dead worker (kill -9, OOM, a lost
  machine) and is queued again. Every task here takes seconds (the SMTP timeout is
  10 s), so a live worker's task is never taken. A task that was taken back
  MAX_RUNS times is marked failed instead, so one that kills its worker cannot loop;
- **riding out a database outage**: while the database does not answer, the worker
  waits, 1 s and then twice as long each time up to 30 s, and carries on when it is
  back instead of exiting. A task that failed because the connection broke is put
  back in the queue, not marked failed (it may not have done its work), and a
  finished task's result is written once the database answers again.

So every queued task runs at least once; it runs twice only if its worker died (or
lost the database) after the task's work and before its result was written.
"""

import logging
import os
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections
from django.db import connections as db_connections
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import TaskContext, TaskResultStatus
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger("django_tasks_db")

# Errors of a database that went away (not of a bad query).
CONNECTION_ERRORS = (OperationalError, InterfaceError)
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
# A task taken back from dead workers this often is given up.
MAX_RUNS = 5


class AbandonedTaskError(Exception):
    """The task's worker died again and again while running it."""


class Worker(library.Worker):
    def __init__(self, *, reclaim_after: timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reclaim_after = reclaim_after
        self._next_reclaim = 0.0

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s reclaim_after=%ss",
            self.worker_id,
            ",".join(self.queue_names),
            int(self.reclaim_after.total_seconds()),
        )
        if self.startup_delay and self.interval:
            # Workers started together do not all poll at the same moment.
            time.sleep(random.random())  # noqa: S311
        pause = FIRST_PAUSE
        while self.running:
            try:
                ran = self.run_one()
            except CONNECTION_ERRORS as exc:
                pause = self._wait_for_database(exc, pause)
                continue
            pause = FIRST_PAUSE
            if self.batch and not ran:
                logger.info("No more tasks to run for worker_id=%s", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d tasks on %s", self._run_tasks, self.worker_id)
                return
            if self.running and not ran:
                time.sleep(self.interval)

    def run_one(self) -> bool:
        """Claim the next ready task and run it; False when there was none."""
        close_old_connections()
        self.reclaim_abandoned()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        if task_result is None:
            return False
        self.run_task(task_result)
        return True

    def reclaim_abandoned(self) -> int:
        """Queue again the tasks whose worker died; at most once a minute."""
        now = time.monotonic()
        if now < self._next_reclaim:
            return 0
        self._next_reclaim = now + min(60.0, self.reclaim_after.total_seconds() / 2)
        cutoff = timezone.now() - self.reclaim_after
        abandoned = DBTaskResult.objects.running().filter(
            backend_name=self.backend_name, started_at__lt=cutoff
        )
        taken = 0
        with exclusive_transaction(abandoned.db):
            for result in abandoned.select_for_update(skip_locked=True):
                if len(result.worker_ids) >= MAX_RUNS:
                    result.set_failed(
                        AbandonedTaskError(f"{len(result.worker_ids)} workers died")
                    )
                    logger.error("Task id=%s abandoned too often: failed", result.id)
                    continue
                result.status = TaskResultStatus.READY
                result.save(update_fields=["status"])
                taken += 1
                logger.warning(
                    "Task id=%s was left running by worker %s since %s: queued again",
                    result.id,
                    result.worker_ids[-1] if result.worker_ids else "?",
                    result.started_at.isoformat() if result.started_at else "?",
                )
        return taken

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one claimed task and record how it went, whatever the database does."""
        self.running_task = True
        try:
            try:
                task = db_task_result.task
                task_result = db_task_result.task_result
                backend = type(task.get_backend())
                task_started.send(sender=backend, task_result=task_result)
                if task.takes_context:
                    context: TaskContext[Any, Any] = TaskContext(
                        task_result=task_result
                    )
                    value = task.call(context, *task_result.args, **task_result.kwargs)
                else:
                    value = task.call(*task_result.args, **task_result.kwargs)
            except CONNECTION_ERRORS as exc:
                # The database went away under the task: it did not finish, so it
                # goes back to the queue (once the database answers) to run again.
                logger.warning("Task id=%s lost the database", db_task_result.id)
                self._until_database_answers(exc, lambda: _requeue(db_task_result))
                return
            except BaseException as exc:
                failure = exc
                logger.exception("Task id=%s failed", db_task_result.id)
                self._until_database_answers(
                    None, lambda: db_task_result.set_failed(failure)
                )
            else:
                self._until_database_answers(
                    None, lambda: db_task_result.set_successful(value)
                )
            try:
                sender = type(db_task_result.task.get_backend())
            except (ImportError, SuspiciousOperation):
                return
            task_finished.send(sender=sender, task_result=db_task_result.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _until_database_answers(
        self, error: Exception | None, write: Callable[[], None]
    ) -> None:
        pause = FIRST_PAUSE
        if error is not None:
            pause = self._wait_for_database(error, pause)
        while True:
            try:
                write()
                return
            except CONNECTION_ERRORS as exc:
                pause = self._wait_for_database(exc, pause)

    def _wait_for_database(self, error: Exception, pause: float) -> float:
        """Sleep before the next try; returns the pause after that one."""
        logger.warning(
            "The database is not answering (%s); trying again in %.0f s",
            str(error).strip().splitlines()[0] if str(error).strip() else error,
            pause,
        )
        db_connections.close_all()
        time.sleep(pause)
        return min(pause * 2, LONGEST_PAUSE)


def _requeue(result: DBTaskResult) -> None:
    DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY
    )


class Command(library.Command):
    help = (
        "Run a database background worker that takes back the tasks of dead "
        "workers and waits out database outages"
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--reclaim-after",
            type=float,
            default=settings.TASKS_RECLAIM_AFTER,
            help="Seconds after which a RUNNING task counts as abandoned by a dead "
            "worker and is queued again (default: %(default)s)",
        )

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        exclude_queues: str,
        reload: bool,
        batch: bool,
        reclaim_after: float,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            reclaim_after=timedelta(seconds=reclaim_after),
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
