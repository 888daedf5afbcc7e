"""Small builders for the recap and comment tests (plain functions, no fixtures)."""

import io
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Field, Profile, Visibility
from events.models import RSVP, Comment, Event, Recap, RecapStatus, RSVPStatus
from tests.conftest import make_user


def make_recap(event: Event, **overrides: Any) -> Recap:
    fields: dict[str, Any] = {
        "title": f"Recap: {event.title}",
        "slug": f"recap-{event.pk}",
        "lead": "Ein schöner Abend im La Sall.",
        "body": "Wir haben viel geredet.\n\n## Was wir gelernt haben\n\nVieles.",
        "status": RecapStatus.PUBLISHED,
        "published_at": timezone.now() - timedelta(days=1),
    }
    fields.update(overrides)
    return Recap.objects.create(event=event, **fields)


def past_event(make_event: Any, days_ago: int = 30, **overrides: Any) -> Event:
    start = timezone.now() - timedelta(days=days_ago)
    return make_event(starts_at=start, ends_at=start + timedelta(hours=3), **overrides)


def attendee(
    event: Event,
    n: int,
    *,
    field: str = Field.RECRUITING,
    visibility: str = Visibility.PUBLIC,
    listed: bool = True,
    status: str = RSVPStatus.GOING,
    checked_in: bool = False,
    name: str = "",
) -> RSVP:
    user = make_user(f"guest{event.pk}-{n}@example.org", name=name or f"Gast {n}")
    Profile.objects.filter(user=user).update(
        field=field, visibility=visibility, show_in_attendee_lists=listed
    )
    return RSVP.objects.create(
        event=event,
        member=user,
        status=status,
        checked_in_at=timezone.now() if checked_in else None,
    )


def comment(
    recap: Recap, author: Any, body: str = "Schön war's!", **kw: Any
) -> Comment:
    return Comment.objects.create(recap=recap, author=author, body=body, **kw)


def jpeg_upload(
    size: tuple[int, int] = (3000, 2000),
    *,
    exif_orientation: int | None = None,
    gps: bool = False,
    name: str = "photo.jpg",
) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (181, 57, 28))
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (9.0, 44.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
