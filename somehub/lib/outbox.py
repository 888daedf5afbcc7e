"""Queue a background task so that it exists exactly when the data it is about does.

With the database queue (django-tasks-db) the task's row is written inside the
current transaction, like an outbox: the RSVP and its confirmation mail commit
together or not at all, and a process that dies right after COMMIT has still queued
the mail. A queue outside the database (the immediate backend of `make run` and the
tests, which sends at once) cannot take part in the transaction: there the task is
queued once the transaction has committed, as before.
"""

from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks import Task


def enqueue_with_transaction(task: Task[Any, Any], *args: Any) -> None:
    """Queue `task(*args)` as part of the current transaction (see above)."""
    if _queues_in_database(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args), robust=True)


def _queues_in_database(task: Task[Any, Any]) -> bool:
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return False
    # Only a queue in the database the site writes to shares its transactions.
    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
    )
