from events.models.event import (
    CALENDAR_FIELDS,
    Event,
    EventQuerySet,
    EventStatus,
    Series,
    Venue,
)
from events.models.recap import Comment, CommentReport, Recap, RecapPhoto, RecapStatus
from events.models.rsvp import RSVP, RSVPStatus

__all__ = [
    "CALENDAR_FIELDS",
    "RSVP",
    "Comment",
    "CommentReport",
    "Event",
    "EventQuerySet",
    "EventStatus",
    "RSVPStatus",
    "Recap",
    "RecapPhoto",
    "RecapStatus",
    "Series",
    "Venue",
]
