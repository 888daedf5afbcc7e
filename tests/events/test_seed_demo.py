"""The demo data command: the kick-off of 2016 and the next three monthly dates."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from events.models import Event, EventStatus, Series, Venue

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_seed_demo_creates_kickoff_and_next_three_dates():
    call_command("seed_demo", stdout=StringIO())
    venue = Venue.objects.get()
    assert venue.name == "La Sall" and venue.district == "Südstadt"
    assert Series.objects.get().name == "#SoMe Stammtisch Hannover"
    kickoff = Event.objects.get(starts_at=datetime(2016, 9, 27, 19, tzinfo=BERLIN))
    assert kickoff.motto == "Social Media – was ist das und wie fange ich es an?"
    upcoming = list(Event.objects.upcoming())
    assert [e.starts_at.astimezone(BERLIN) for e in upcoming] == [
        datetime(2026, 12, 29, 19, tzinfo=BERLIN),
        datetime(2027, 1, 26, 19, tzinfo=BERLIN),
        datetime(2027, 2, 23, 19, tzinfo=BERLIN),
    ]
    assert all(e.status == EventStatus.PUBLISHED for e in upcoming)


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    before = list(Event.objects.values_list("pk", "sequence", "slug"))
    call_command("seed_demo", stdout=StringIO())
    assert list(Event.objects.values_list("pk", "sequence", "slug")) == before
    assert Venue.objects.count() == 1 and Series.objects.count() == 1


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_seed_demo_makes_a_demo_member_to_try_the_site_with(settings) -> None:
    from accounts.models import User
    from events.management.commands._demo_member import (
        DEMO_MEMBER_EMAIL,
        DEMO_MEMBER_PASSWORD,
    )
    from events.models import RSVP

    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # safe to run again
    member = User.objects.get(email=DEMO_MEMBER_EMAIL)
    assert member.check_password(DEMO_MEMBER_PASSWORD)
    assert member.has_verified_email and not member.is_staff
    assert member.profile.display_name == "Mia Beispiel"
    (rsvp,) = RSVP.objects.filter(member=member)
    assert rsvp.is_going
    assert rsvp.event == Event.objects.upcoming().first()


def test_without_debug_there_is_no_demo_member(settings) -> None:
    from accounts.models import User

    settings.DEBUG = False
    call_command("seed_demo", stdout=StringIO())
    assert not User.objects.filter(email="mitglied@somehub.example").exists()
