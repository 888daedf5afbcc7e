"""The reminder's "free my seat" link works once, for the RSVP it was made for."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from events.models import RSVP, RSVPStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def tomorrow_event(make_event):
    start = timezone.now() + timedelta(hours=20)
    return make_event(starts_at=start, ends_at=start + timedelta(hours=3))


def path_of(rsvp: RSVP) -> str:
    return rsvp.free_seat_url().removeprefix(settings.SITE_URL)


def test_a_used_link_does_not_cancel_the_seat_taken_again_later(
    tomorrow_event, member
) -> None:
    seat = tomorrow_event.rsvp(member)
    link = path_of(seat)
    client = Client()
    assert client.post(link).status_code == 302
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.NOT_GOING

    tomorrow_event.rsvp(member)  # "I'm coming" again
    page = client.get(link, headers={"accept-language": "en"})
    assert page.status_code == 410
    assert b"This link no longer works" in page.content
    response = client.post(link, headers={"accept-language": "en"}, follow=True)
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.GOING
    assert b"frees no seat any more" in response.content


def test_a_link_made_before_saying_yes_again_does_not_cancel(
    tomorrow_event, member
) -> None:
    """Cancelled on the event page, then yes again: the old reminder link is dead."""
    seat = tomorrow_event.rsvp(member)
    link = path_of(seat)
    tomorrow_event.decline(member)
    tomorrow_event.rsvp(member)
    Client().post(link)
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.GOING


def test_the_new_reminder_link_works_for_the_new_seat(tomorrow_event, member) -> None:
    seat = tomorrow_event.rsvp(member)
    Client().post(path_of(seat))
    new_seat = tomorrow_event.rsvp(member)
    Client().post(path_of(new_seat))
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.NOT_GOING


def test_a_link_in_the_old_format_is_404(tomorrow_event, member) -> None:
    from django.core import signing

    from events.models.rsvp import FREE_SEAT_SALT

    seat = tomorrow_event.rsvp(member)
    token = signing.dumps(seat.pk, salt=FREE_SEAT_SALT)
    url = f"/events/{tomorrow_event.slug}/free-my-seat/{token}/"
    assert Client().post(url).status_code == 404
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.GOING
