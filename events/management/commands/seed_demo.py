"""Demo data for local use: the series, La Sall, the 2016 kick-off and the next dates.

Safe to run again: it looks things up before it creates them.
"""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import TU, relativedelta
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from events.management.commands._demo_member import (
    DEMO_MEMBER_EMAIL,
    seed_demo_member,
)
from events.management.commands._demo_orga import (
    DEMO_ORGANIZER_EMAIL,
    seed_demo_organizer,
    seed_series_rule,
)
from events.management.commands._demo_recap import seed_kickoff_recap
from events.models import Event, EventStatus, Series, Venue

BERLIN = ZoneInfo("Europe/Berlin")

KICKOFF_DESCRIPTION = """\
Der allererste **#SoMe Stammtisch Hannover**: Wir lernen uns kennen, jede und jeder \
erzählt kurz, womit sie oder er gerade in Social Media kämpft, und danach wird \
weitergeredet, so lange es schön ist.

Dabei sind Leute aus Personalvermittlung, interner Kommunikation, Coaching, \
Steuerberatung, Agenturen und freiberufliche Social-Media-Profis. Vorwissen brauchst \
du keins, nur Neugier.
"""

MONTHLY_DESCRIPTION = """\
Einmal im Monat treffen wir uns zum Austausch über Social Media: ein kurzer Impuls \
zum Einstieg, danach Gespräche in kleiner Runde. Komm vorbei, ob du schon lange dabei \
bist oder zum ersten Mal kommst.
"""

UPCOMING_MOTTOS = [
    "Kommentare, Kritik, Shitstorm: Wie antworten wir öffentlich?",
    "Mitarbeitende als Markenbotschafter:innen",
    "LinkedIn, Instagram, Mastodon: Wo lohnt sich 2027 was?",
]


def last_tuesdays_after(today: datetime, count: int) -> list[datetime]:
    """The next `count` last-Tuesdays-of-the-month at 19:00 Berlin time."""
    dates: list[datetime] = []
    month = today.replace(day=1)
    while len(dates) < count:
        day = (month + relativedelta(day=31, weekday=TU(-1))).date()
        start = datetime.combine(day, time(19, 0), tzinfo=BERLIN)
        if start > today:
            dates.append(start)
        month += relativedelta(months=1)
    return dates


class Command(BaseCommand):
    help = "Create (or refresh) the demo Stammtisch data. Safe to run again."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        venue, _ = Venue.objects.update_or_create(
            name="La Sall",
            defaults={
                "city": "Hannover",
                "district": "Südstadt",
                "accessibility_notes": (
                    "Gemütliche Kneipe in der Südstadt; sprich uns an, wenn du "
                    "Unterstützung beim Zugang brauchst."
                ),
            },
        )
        series, _ = Series.objects.update_or_create(
            slug="some-stammtisch-hannover",
            defaults={
                "name": "#SoMe Stammtisch Hannover",
                "description": (
                    "Der monatliche Stammtisch für alle, die beruflich mit Social "
                    "Media zu tun haben."
                ),
                "default_venue": venue,
            },
        )
        seed_series_rule(series)
        kickoff_start = datetime(2016, 9, 27, 19, 0, tzinfo=BERLIN)
        kickoff = self._event(
            series,
            venue,
            kickoff_start,
            title="Kick-off: #SoMe Stammtisch Hannover",
            motto="Social Media – was ist das und wie fange ich es an?",
            description=KICKOFF_DESCRIPTION,
            capacity=None,
        )
        now = timezone.localtime(timezone.now(), BERLIN)
        for start, motto in zip(
            last_tuesdays_after(now, 3), UPCOMING_MOTTOS, strict=True
        ):
            self._event(
                series,
                venue,
                start,
                title="#SoMe Stammtisch Hannover",
                motto=motto,
                description=MONTHLY_DESCRIPTION,
                capacity=20,
            )
        if seed_demo_organizer() is not None:
            self.stdout.write(
                f"Demo organizer: {DEMO_ORGANIZER_EMAIL} (password in the README)."
            )
        seed_kickoff_recap(kickoff)  # after the organizer: they wrote it
        next_event = Event.objects.published().upcoming().first()
        if seed_demo_member(next_event) is not None:
            self.stdout.write(
                f"Demo member: {DEMO_MEMBER_EMAIL} (password in the README)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Event.objects.count()} events at {venue.name}."
            )
        )

    def _event(
        self,
        series: Series,
        venue: Venue,
        start: datetime,
        *,
        title: str,
        motto: str,
        description: str,
        capacity: int | None,
    ) -> Event:
        event = Event.objects.filter(series=series, starts_at=start).first()
        if event is None:
            event = Event(series=series, starts_at=start)
        event.title = title
        event.motto = motto
        event.description = description
        event.ends_at = start + timedelta(hours=3)
        event.venue = venue
        event.capacity = capacity
        if event.status == EventStatus.DRAFT:
            event.status = EventStatus.PUBLISHED
            event.published_at = event.published_at or timezone.now()
        event.save()
        return event
