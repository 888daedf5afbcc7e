"""`manage.py import_ical URL_OR_FILE`: dates from a calendar become events."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.importers.ical import (
    CalendarError,
    CalendarOptions,
    import_calendar,
    read_source,
)
from events.models import EventStatus, Series, Venue


class Command(BaseCommand):
    help = (
        "Import the dates of an iCalendar file or feed (Google Calendar, Nextcloud, "
        "Outlook, Meetup). Entries are matched by their UID, so running it again "
        "updates the dates instead of adding them twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a .ics file, or an http(s)/webcal URL")
        parser.add_argument("--series", help="slug of the series the dates belong to")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish new dates at once (default: drafts to look over)",
        )
        parser.add_argument(
            "--since",
            type=date.fromisoformat,
            help="first day of the window repeating entries are expanded over "
            "(YYYY-MM-DD; default: today)",
        )
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            help="last day of the window (default: a year after --since)",
        )
        parser.add_argument(
            "--venue",
            help="name of the venue for entries without a location "
            "(default: the series' default venue)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would happen, and save nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        series = venue = None
        if options["series"]:
            series = Series.objects.filter(slug=options["series"]).first()
            if series is None:
                raise CommandError(f"No series with the slug {options['series']!r}.")
        if options["venue"]:
            venue = Venue.objects.filter(name__iexact=options["venue"]).first()
            if venue is None:
                raise CommandError(f"No venue named {options['venue']!r}.")
        if (
            options["since"]
            and options["until"]
            and options["until"] < options["since"]
        ):
            raise CommandError("--until must not be before --since.")
        try:
            data = read_source(options["source"])
        except CalendarError as exc:
            raise CommandError(str(exc)) from exc
        report = import_calendar(
            data,
            CalendarOptions(
                series=series,
                status=EventStatus.PUBLISHED
                if options["publish"]
                else EventStatus.DRAFT,
                since=options["since"],
                until=options["until"],
                venue=venue,
                dry_run=options["dry_run"],
            ),
        )
        for line in report.lines(details=options["verbosity"] > 1):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(report.error)
