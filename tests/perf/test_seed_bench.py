"""scripts/benchsite/seed.py builds the benchmark's data set; here at a small scale."""

import pytest
from django.db.models import Count, Q
from django.test import Client

from accounts.models import User
from events.models import RSVP, Comment, Event, Recap, RSVPStatus
from scripts.benchsite.data import BENCH_EMAIL, BenchPlan
from scripts.benchsite.seed import NotEmpty, seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(capsys) -> str:
    return seed(scale=0.05)


def test_small_scale_has_every_kind_of_row(seeded: str) -> None:
    plan = BenchPlan().scaled(0.05)
    assert User.objects.count() == plan.members
    assert Event.objects.count() == plan.events
    assert Event.objects.upcoming().count() == plan.upcoming
    assert Recap.objects.published().count() == plan.recaps
    assert Comment.objects.count() == plan.comments
    assert RSVP.objects.count() >= plan.rsvps
    assert "Bench data in" in seeded


def test_next_evening_and_newest_recap_have_the_big_numbers(seeded: str) -> None:
    plan = BenchPlan().scaled(0.05)
    next_event = Event.objects.published().upcoming().with_rsvp_counts().first()
    assert next_event.going_count == plan.big_event_going
    assert next_event.rsvps.filter(member__email=BENCH_EMAIL, status=RSVPStatus.GOING)
    newest = Recap.objects.published().newest_first().first()
    assert newest.comments.count() == plan.big_recap_comments
    assert newest.comments.filter(parent__isnull=False).exists()


def test_members_have_profiles_and_confirmed_addresses(seeded: str) -> None:
    users = User.objects.annotate(
        addresses=Count("emailaddress", filter=Q(emailaddress__verified=True))
    )
    assert not users.filter(profile__isnull=True).exists()
    assert not users.exclude(addresses=1).exists()


def test_seats_are_never_overbooked(seeded: str) -> None:
    for event in Event.objects.with_rsvp_counts().exclude(capacity=None):
        assert event.going_count <= event.capacity


def test_pages_render_from_the_seeded_data(seeded: str) -> None:
    visitor, member = Client(), Client()
    member.force_login(User.objects.get(email=BENCH_EMAIL))
    event = Event.objects.published().upcoming().first()
    recap = Recap.objects.published().newest_first().first()
    for path in ["/", "/events/", event.get_absolute_url(), recap.get_absolute_url()]:
        assert visitor.get(path).status_code == 200
        assert member.get(path).status_code == 200
    assert member.get("/members/").status_code == 200
    assert member.get("/me/events/").status_code == 200


def test_refuses_a_database_with_data(seeded: str) -> None:
    with pytest.raises(NotEmpty, match="empty database"):
        seed(scale=0.05)


def test_refuses_a_scale_out_of_range(db: None) -> None:
    with pytest.raises(ValueError, match="--scale"):
        seed(scale=0)
