"""Imports started in the admin: a dry run the organizer reads, then, once
confirmed, the import itself (events.models.imports.ImportRun keeps the upload and
the report in between)."""

from datetime import date
from typing import Any

from accounts.models import User
from events.importers.ical import CalendarOptions, import_calendar
from events.importers.report import ImportReport
from events.importers.wordpress import WordPressOptions, import_wordpress
from events.models import EventStatus, Series, Venue
from events.models.imports import ImportRun


def start(
    kind: str, source_name: str, data: bytes, options: dict[str, Any], user: User
) -> ImportRun:
    """Keep an upload and do a dry run of it: the organizer reads the report
    before anything is saved."""
    ImportRun.forget_unconfirmed()
    run = ImportRun(
        kind=kind,
        source_name=source_name[:500],
        data=data,
        options=options,
        started_by=user,
    )
    run.report = _run(run, dry_run=True).as_json()
    run.save()
    return run


def carry_out(run: ImportRun) -> ImportReport:
    """Import what was checked, once; the report replaces the dry run's."""
    report = _run(run, dry_run=False)
    run.finish(report.as_json())
    return report


def _run(run: ImportRun, dry_run: bool) -> ImportReport:
    data, options = bytes(run.data), run.options
    if run.kind == ImportRun.Kind.WORDPRESS:
        return import_wordpress(
            data,
            WordPressOptions(
                categories=options.get("categories", []),
                pages=options.get("pages", False),
                dry_run=dry_run,
            ),
        )
    return import_calendar(
        data,
        CalendarOptions(
            series=Series.objects.filter(pk=options.get("series")).first(),
            status=EventStatus.PUBLISHED
            if options.get("publish")
            else EventStatus.DRAFT,
            since=date.fromisoformat(options["since"]),
            until=date.fromisoformat(options["until"]),
            venue=Venue.objects.filter(pk=options.get("venue")).first(),
            dry_run=dry_run,
        ),
    )
