"""Event rules the database enforces, and the QuerySets the pages use."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Event, EventStatus

pytestmark = pytest.mark.django_db


def test_event_must_end_after_it_starts(make_event) -> None:
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_event(starts_at=start, ends_at=start)


def test_capacity_must_be_at_least_one(make_event) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_event(capacity=0)


def test_no_capacity_means_unlimited(make_event) -> None:
    assert make_event(capacity=None).capacity is None


def test_slugs_are_unique_and_generated_from_date_and_title(make_event) -> None:
    # Both evenings on one (local) day, whatever the time of day the test runs at.
    start = (timezone.localtime() + timedelta(days=10)).replace(hour=19, minute=0)
    first = make_event(title="Stammtisch", starts_at=start)
    second = make_event(title="Stammtisch", starts_at=start + timedelta(hours=1))
    assert first.slug.endswith("stammtisch")
    assert second.slug == first.slug + "-2"
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=second.pk).update(slug=first.slug)


def test_unknown_status_is_refused_by_the_database(make_event) -> None:
    event = make_event()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(status="secret")


def test_upcoming_is_soonest_first_and_past_newest_first(make_event) -> None:
    now = timezone.now()
    later = make_event(starts_at=now + timedelta(days=20))
    sooner = make_event(starts_at=now + timedelta(days=2))
    old = make_event(starts_at=now - timedelta(days=60))
    older = make_event(starts_at=now - timedelta(days=90))
    assert list(Event.objects.upcoming()) == [sooner, later]
    assert list(Event.objects.past()) == [old, older]


def test_an_evening_in_progress_is_still_upcoming(make_event) -> None:
    running = make_event(starts_at=timezone.now() - timedelta(hours=1))
    assert running in Event.objects.upcoming()


def test_published_hides_drafts_but_keeps_cancelled(make_event) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    cancelled = make_event(status=EventStatus.CANCELLED)
    published = make_event()
    assert set(Event.objects.published()) == {cancelled, published}
    assert draft not in Event.objects.published()


def test_calendar_sequence_grows_when_time_or_place_changes(make_event) -> None:
    event = make_event()
    assert event.sequence == 0
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    event.save()
    assert event.sequence == 1
    event.save()  # nothing changed
    assert event.sequence == 1
    event.cancel("Die Kneipe hat geschlossen.")
    event.refresh_from_db()
    assert event.sequence == 2
    assert event.status == EventStatus.CANCELLED


def test_publish_sets_status_and_time(make_event) -> None:
    event = make_event(status=EventStatus.DRAFT)
    event.publish()
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    assert event.published_at is not None


def test_markdown_description_is_sanitised(make_event) -> None:
    event = make_event(
        description="**Hallo** <script>alert(1)</script> [x](javascript:alert(1)) "
        "<img src=x onerror=alert(1)>"
    )
    html = str(event.description_html)
    assert "<strong>Hallo</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
