from events.models.event import (
    CALENDAR_FIELDS,
    Event,
    EventQuerySet,
    EventStatus,
    Venue,
    note_rsvps,
)
from events.models.imports import ImportedItem, ImportRun
from events.models.mailing import (
    Audience,
    Delivery,
    DeliveryStatus,
    Mailing,
    MailingKind,
    Segment,
)
from events.models.orga import ORGA_TEAM
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
    "Audience",
    "BodyFormat",
    "Comment",
    "CommentReport",
    "Delivery",
    "DeliveryStatus",
    "Event",
    "EventQuerySet",
    "EventStatus",
    "ImportRun",
    "ImportedItem",
    "MailKind",
    "Mailing",
    "MailingKind",
    "Occurrence",
    "PendingRSVP",
    "RSVPError",
    "RSVPStatus",
    "Recap",
    "RecapPhoto",
    "RecapStatus",
    "Segment",
    "Series",
    "Venue",
    "WeekOfMonth",
    "Weekday",
    "note_rsvps",
]
