"""A member who deletes their account frees their seats for the waiting list."""

import pytest

from events.models import RSVP, RSVPStatus
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_deleting_an_account_moves_the_waiting_list_up(
    make_event, member, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    event.rsvp(member)
    waiting = make_user("wanda@example.org", name="Wanda Warteliste")
    event.rsvp(waiting)
    assert RSVP.objects.get(member=waiting).status == RSVPStatus.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        member.delete_account()
    assert RSVP.objects.get(member=waiting).status == RSVPStatus.GOING
    assert not RSVP.objects.filter(member_id=member.pk).exists()


def test_deleting_an_account_after_the_evening_keeps_history_simple(make_event, member):
    from datetime import timedelta

    from django.utils import timezone

    event = make_event(capacity=1)
    event.rsvp(member)
    type(event).objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=3),
    )
    member.delete_account()
    assert not RSVP.objects.filter(event=event).exists()
