"""Queue a background task so that it exists exactly when the data it is about does.

With the database queue (django-tasks-db) the task's row is written inside the
current transaction, like an outbox: the RSVP and its confirmation mail commit
together or not at all, and a process that dies right after COMMIT has still queued
the mail. A queue outside the database (the immediate backend of `make run` and the
tests, which sends at once) cannot take part in the transaction: there the task is
queued once the transaction has committed, as before.


Models name their tasks by dotted path ("events.tasks.send_rsvp_email"): the
tasks import the models, and the models need not import the tasks back.
"""

from functools import partial
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks import Task
from django.utils.module_loading import import_string
from django_tasks_db.backend import DatabaseBackend

# The table django-tasks-db keeps its queue in (by name: its models load later).
QUEUE_MODEL = "django_tasks_database.DBTaskResult"


def enqueue_with_transaction(task: Task[Any, Any] | str, *args: Any) -> None:
    """Queue `task(*args)` as part of the current transaction (see above); `task`
    is a task or the dotted path of one."""
    resolved: Task[Any, Any] = import_string(task) if isinstance(task, str) else task
    if _queues_in_database(resolved):
        resolved.enqueue(*args)
    else:
        transaction.on_commit(partial(resolved.enqueue, *args), robust=True)


def _queues_in_database(task: Task[Any, Any]) -> bool:
    # Only a queue in the database the site writes to shares its transactions.
    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(apps.get_model(QUEUE_MODEL)) == DEFAULT_DB_ALIAS
    )
