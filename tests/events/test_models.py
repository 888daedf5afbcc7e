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
    event.reschedule(
        starts_at=event.starts_at + timedelta(hours=1),
        ends_at=event.ends_at + timedelta(hours=1),
    )
    assert event.sequence == 1
    assert not event.reschedule(starts_at=event.starts_at)  # nothing changed
    event.revise(["cover_image_alt"])  # not shown in calendars
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


# What an edit means is said where it is made ---------------------------------------


def test_a_plain_save_changing_the_time_mails_nobody(
    make_event, member, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    """A script, a data migration or an import that only saves tells nobody."""
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        event.rsvp(member)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event.starts_at += timedelta(hours=1)
        event.ends_at += timedelta(hours=1)
        event.capacity = 1
        event.status = "cancelled"
        event.save()
    assert mailoutbox == []
    event.refresh_from_db()
    assert event.sequence == 0


def test_rescheduling_mails_everyone_going_once(
    make_event, member, stranger, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        event.rsvp(member)
        event.rsvp(stranger)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert event.reschedule(
            starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.ends_at + timedelta(hours=1),
        )
        assert not event.reschedule(starts_at=event.starts_at)  # the same again
    assert sorted(m.to[0] for m in mailoutbox) == [member.email, stranger.email]


def test_an_evening_cannot_be_moved_to_end_before_it_begins(make_event) -> None:
    from django.core.exceptions import ValidationError

    event = make_event()
    with pytest.raises(ValidationError):
        event.reschedule(ends_at=event.starts_at - timedelta(minutes=1))


def test_cancelling_twice_mails_once(
    make_event, member, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        event.rsvp(member)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert event.cancel("Die Kneipe hat zu.")
        assert not event.cancel("Noch einmal.")
    assert len(mailoutbox) == 1
