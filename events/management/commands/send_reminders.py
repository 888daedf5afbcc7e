"""Queue the day-before reminders; safe to run every few minutes (cron, timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from events.models import RSVP


class Command(BaseCommand):
    help = (
        "E-mail everyone going to an evening that starts within a day, once per "
        "member and evening. Safe to run as often as you like."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = RSVP.objects.send_reminders()
        self.stdout.write(f"Reminders queued: {count}")
