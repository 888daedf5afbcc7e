from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from somehub.lib.markdown import render_markdown


class Venue(models.Model):
    """A place where a Stammtisch happens, usually a pub."""

    name = models.CharField(_("name"), max_length=120)
    street = models.CharField(_("street and number"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, default="Hannover")
    district = models.CharField(_("district"), max_length=80, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_line(self) -> str:
        locality = " ".join(p for p in [self.postcode, self.city] if p)
        return ", ".join(p for p in [self.street, locality] if p)

    @property
    def osm_url(self) -> str:
        """A link to the place on OpenStreetMap (a link only, no embedded map)."""
        if self.latitude is not None and self.longitude is not None:
            lat, lon = self.latitude, self.longitude
            return (
                f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}"
                f"#map=18/{lat}/{lon}"
            )
        query = urlencode({"query": f"{self.name}, {self.address_line}"})
        return f"https://www.openstreetmap.org/search?{query}"


class Series(models.Model):
    """A recurring Stammtisch, such as "#SoMe Stammtisch Hannover"."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    default_venue = models.ForeignKey(
        Venue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default venue"),
    )

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class EventQuerySet(models.QuerySet["Event"]):
    def published(self) -> "EventQuerySet":
        """Events the public may see: published or (loudly) cancelled."""
        return self.exclude(status=EventStatus.DRAFT)

    def upcoming(self, now: datetime | None = None) -> "EventQuerySet":
        """Events that have not ended yet, soonest first."""
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now: datetime | None = None) -> "EventQuerySet":
        """Events that have ended, newest first."""
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at")

    def visible_to(self, user: Any) -> "EventQuerySet":
        """Drafts are for the Orga-Team only."""
        if user is not None and user.has_perm("events.view_event"):
            return self.all()
        return self.published()

    def with_venue(self) -> "EventQuerySet":
        return self.select_related("venue", "series")


# Changing one of these changes what a calendar app shows: bump SEQUENCE.
CALENDAR_FIELDS = (
    "title", "motto", "description", "starts_at", "ends_at", "venue_id", "status",
)


class Event(models.Model):
    """One Stammtisch evening."""

    series = models.ForeignKey(
        Series,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("series"),
    )
    title = models.CharField(_("title"), max_length=140)
    slug = models.SlugField(_("slug"), max_length=160, unique=True, blank=True)
    motto = models.CharField(_("motto or topic"), max_length=200, blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown is allowed.")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="events", verbose_name=_("venue")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Number of seats; leave empty for no limit."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EventStatus.choices,
        default=EventStatus.DRAFT,
    )
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    cover_image = models.ImageField(_("cover image"), upload_to="events/", blank=True)
    cover_image_alt = models.CharField(
        _("cover image description"), max_length=200, blank=True
    )
    rsvp_opens_at = models.DateTimeField(_("RSVPs open at"), null=True, blank=True)
    rsvp_closes_at = models.DateTimeField(
        _("RSVPs close at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to close RSVPs when the event starts."),
    )
    sequence = models.PositiveIntegerField(
        _("calendar revision"), default=0, editable=False
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        indexes = [
            # The upcoming and past lists filter on status and order by start time.
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
            models.Index(fields=["ends_at"], name="event_ends_at_idx"),
        ]
        constraints = [
            # An evening cannot end before it begins.
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            # A capacity of zero would make every RSVP a waiting-list entry.
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
            # Status values outside the choices would hide an event from every list.
            models.CheckConstraint(
                condition=Q(status__in=EventStatus.values), name="event_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%d.%m.%Y})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = self._unique_slug()
        if self.pk is not None:
            old = (
                Event.objects.filter(pk=self.pk).values(*CALENDAR_FIELDS).first()
                or {}
            )
            if old and any(old[f] != getattr(self, f) for f in CALENDAR_FIELDS):
                self.sequence += 1
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "sequence"}
        super().save(*args, **kwargs)

    def _unique_slug(self) -> str:
        day = timezone.localtime(self.starts_at).date().isoformat()
        base = slugify(f"{day} {self.title}")[:150] or day
        slug, n = base, 2
        while Event.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})

    def publish(self) -> None:
        self.status = EventStatus.PUBLISHED
        self.published_at = self.published_at or timezone.now()
        self.save()

    def cancel(self, reason: str = "") -> None:
        self.status = EventStatus.CANCELLED
        self.cancellation_reason = reason
        self.save()

    @property
    def is_draft(self) -> bool:
        return self.status == EventStatus.DRAFT

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def uid(self) -> str:
        """The calendar UID: stable for the life of the event, whatever is edited."""
        return f"event-{self.pk}@somehub"

    @cached_property
    def description_html(self) -> SafeString:
        return render_markdown(self.description)

    @property
    def summary(self) -> str:
        """One line for link previews and feeds."""
        return self.motto or self.title

    @property
    def series_name(self) -> str:
        return self.series.name if self.series_id else settings.SITE_NAME

    def structured_data(self) -> dict[str, Any]:
        """schema.org Event data for search engines and link previews."""
        status = {
            EventStatus.CANCELLED: "https://schema.org/EventCancelled",
        }.get(self.status, "https://schema.org/EventScheduled")
        venue = self.venue
        place: dict[str, Any] = {
            "@type": "Place",
            "name": venue.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": venue.street,
                "postalCode": venue.postcode,
                "addressLocality": venue.city,
                "addressCountry": "DE",
            },
        }
        if venue.latitude is not None and venue.longitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(venue.latitude),
                "longitude": float(venue.longitude),
            }
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": self.title,
            "description": self.motto or self.description[:300],
            "startDate": timezone.localtime(self.starts_at).isoformat(),
            "endDate": timezone.localtime(self.ends_at).isoformat(),
            "eventStatus": status,
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "location": place,
            "url": settings.SITE_URL + self.get_absolute_url(),
            "organizer": {
                "@type": "Organization",
                "name": self.series_name,
                "url": settings.SITE_URL + "/",
            },
            "isAccessibleForFree": True,
        }
        if self.cover_image:
            data["image"] = [settings.SITE_URL + self.cover_image.url]
        return data
