"""The states of an evening, in a module of their own: RSVPs, series and the
Orga-Team's tools filter by them without importing the Event model."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceMode(models.TextChoices):
    """How an evening takes place: at the venue, online, or both at once."""

    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid: in person and online")


class Attendance(models.TextChoices):
    """How one member takes part; each way has its own places and waiting list."""

    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
