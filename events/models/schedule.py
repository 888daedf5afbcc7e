"""When the public pages change by themselves, without anyone writing anything."""

from datetime import datetime

from django.db.models import Min, Q

from events.models.event import Event
from events.models.recap import Recap, RecapStatus

# Each of these moments changes what a page shows: "upcoming" (ends_at), the RSVP
# box (starts_at, RSVP window).
EVENT_MOMENTS = ("starts_at", "ends_at", "rsvp_opens_at", "rsvp_closes_at")


def next_scheduled_change(now: datetime) -> datetime | None:
    """The next of those moments, or a scheduled recap going online; for the page
    cache (settings.PAGE_CACHE_SCHEDULE). Two small queries, once per generation."""
    soonest = Event.objects.aggregate(
        **{name: Min(name, filter=Q(**{f"{name}__gt": now})) for name in EVENT_MOMENTS}
    )
    recap = Recap.objects.filter(
        status=RecapStatus.PUBLISHED, published_at__gt=now
    ).aggregate(next=Min("published_at"))
    moments = [m for m in [*soonest.values(), recap["next"]] if m is not None]
    return min(moments, default=None)
