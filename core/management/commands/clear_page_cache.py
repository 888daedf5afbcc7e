"""End the page cache's generation: every cached page and kept value is read anew.

Writes through Django end it by themselves; run this after changing the database
by hand (psql) or restoring a backup without `migrate`.
"""

from typing import Any

from django.core.management.base import BaseCommand

from core import pagecache


class Command(BaseCommand):
    help = "Render every cached page afresh (after changing the database by hand)."

    def handle(self, *args: Any, **options: Any) -> None:
        pagecache.content_changed()
        self.stdout.write("Every cached page will be rendered afresh.")
