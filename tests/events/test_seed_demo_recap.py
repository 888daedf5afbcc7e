"""seed_demo also writes the kick-off recap, and demo comments for demo members."""

from io import StringIO

import pytest
from django.core.management import call_command

from events.models import Comment, Recap
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def test_seed_demo_publishes_the_kickoff_recap() -> None:
    seed()
    recap = Recap.objects.published().get()
    assert recap.event.starts_at.year == 2016
    assert "La Sall" in recap.lead
    assert "Social Media – was ist das und wie fange ich es an?" in recap.body
    assert not recap.comments.exists()


def test_seed_demo_adds_demo_comments_once_when_demo_members_exist(client) -> None:
    make_user("anna@example.org", name="Anna")
    make_user("ben@example.org", name="Ben")
    seed()
    seed()
    recap = Recap.objects.get()
    assert Recap.objects.count() == 1
    assert Comment.objects.count() == 2
    reply = Comment.objects.get(parent__isnull=False)
    assert reply.parent.recap == recap
    page = client.get(recap.get_absolute_url())
    assert page.status_code == 200
    assert reply.body in page.content.decode()
