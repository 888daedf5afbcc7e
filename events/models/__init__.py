from events.models.event import (
    CALENDAR_FIELDS,
    Event,
    EventQuerySet,
    EventStatus,
    Venue,
)
from events.models.imports import ImportedItem, ImportRun
from events.models.orga import ORGA_TEAM, AttendeeMessage
from events.models.pending import PendingRSVP
from events.models.recap import (
    BodyFormat,
    Comment,
    CommentReport,
    Recap,
    RecapPhoto,
    RecapStatus,
)
from events.models.rsvp import RSVP, MailKind, RSVPError, RSVPStatus
from events.models.series import Occurrence, Series, Weekday, WeekOfMonth

__all__ = [
    "CALENDAR_FIELDS",
    "ORGA_TEAM",
    "RSVP",
    "AttendeeMessage",
    "BodyFormat",
    "Comment",
    "CommentReport",
    "Event",
    "EventQuerySet",
    "EventStatus",
    "ImportRun",
    "ImportedItem",
    "MailKind",
    "Occurrence",
    "PendingRSVP",
    "RSVPError",
    "RSVPStatus",
    "Recap",
    "RecapPhoto",
    "RecapStatus",
    "Series",
    "Venue",
    "WeekOfMonth",
    "Weekday",
]
