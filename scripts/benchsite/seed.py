"""Fill an empty database with the benchmark's data set (`make bench` runs it):

    DJANGO_SETTINGS_MODULE=somehub.settings DATABASE_URL=postgres://…/somehub_bench \
        python -m scripts.benchsite.seed [--scale 0.1]

It refuses a database that already has members or events: it is meant for the
throwaway database that `make bench` recreates on every run, never for real data.
"""

import argparse
import time

import django

if __name__ == "__main__":  # run as a script: the models need Django set up first
    django.setup()

from django.db import connection, transaction

from accounts.models import User
from events.models import Event
from scripts.benchsite.data import BenchBuilder, BenchPlan


class NotEmpty(Exception):
    """The database has data already."""


def seed(scale: float = 1.0) -> str:
    """Build the data set at `scale`; returns a one-line summary."""
    if not 0 < scale <= 10:
        raise ValueError("--scale must be above 0 and at most 10.")
    if User.objects.exists() or Event.objects.exists():
        raise NotEmpty(
            "The bench data fills an empty database, and this one has data. "
            "Use a fresh one (make bench recreates somehub_bench)."
        )
    started = time.monotonic()
    with transaction.atomic():
        result = BenchBuilder(BenchPlan().scaled(scale)).build()
    if connection.vendor == "postgresql":
        # Planner statistics for the new rows, as autovacuum would gather them
        # later: without them the first plans are guesses.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    summary = ", ".join(f"{n:,} {what}" for what, n in result.counts.items())
    return f"Bench data in {seconds:.1f} s: {summary}."


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    arguments = parser.parse_args()
    try:
        print(seed(arguments.scale))
    except (ValueError, NotEmpty) as exc:
        raise SystemExit(str(exc)) from exc
