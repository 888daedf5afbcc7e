"""The states of an evening, in a module of their own: RSVPs, series and the
Orga-Team's tools filter by them without importing the Event model."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
