"""`manage.py import_wordpress EXPORT.xml`: the old blog's posts become recaps."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.importers.wordpress import WordPressOptions, import_wordpress


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR): posts become recaps with their approved "
        "comments and, from a local copy of wp-content/uploads, their pictures. "
        "Safe to run again: unchanged items stay as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("export", type=Path, help="the WXR file from WordPress")
        parser.add_argument(
            "--uploads",
            type=Path,
            help="a local copy of the blog's wp-content/uploads folder; pictures "
            "are never fetched from the internet",
        )
        parser.add_argument(
            "--categories",
            nargs="+",
            default=[],
            metavar="SLUG_OR_NAME",
            help="only posts in one of these categories or tags count as recaps "
            "(default: all posts)",
        )
        parser.add_argument(
            "--pages",
            action="store_true",
            help="import the blog's pages too, as draft recaps",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would happen, and save nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["export"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        report = import_wordpress(
            data,
            WordPressOptions(
                uploads=options["uploads"],
                categories=options["categories"],
                pages=options["pages"],
                dry_run=options["dry_run"],
            ),
        )
        for line in report.lines(details=options["verbosity"] > 1):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(report.error)
