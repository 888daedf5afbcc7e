"""Fill an empty database with the benchmark's data set (see `make bench`).

    DATABASE_URL=postgres://…/somehub_bench python manage.py seed_bench [--scale 0.1]

It refuses a database that already has members or events: it is meant for the
throwaway database that `make bench` recreates on every run, never for real data.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts.models import User
from events.management.commands._bench_data import BenchBuilder, BenchPlan
from events.models import Event


class Command(BaseCommand):
    help = "Fill an empty database with the benchmark's data set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply every count (1.0: 1,000 members, 500 events, ...).",
        )

    def handle(self, *args: Any, scale: float, **options: Any) -> None:
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        if User.objects.exists() or Event.objects.exists():
            raise CommandError(
                "seed_bench fills an empty database, and this one has data. "
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
        self.stdout.write(f"Bench data in {seconds:.1f} s: {summary}.")
