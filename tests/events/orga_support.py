"""Helpers for the Orga-Team tests: real organizers through the group."""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from events.models import RSVP, Event, RSVPStatus
from events.models.orga import make_organizer
from tests.conftest import make_user


def make_orga(email: str = "olga@example.org", name: str = "Olga Orga") -> User:
    """An organizer as `create_organizer` makes one: staff in the Orga-Team."""
    make_user(email, name=name)
    return make_organizer(email).user


def make_superuser(email: str = "root@example.org") -> User:
    return make_user(email, name="Root", is_staff=True, is_superuser=True)


def answer(
    event: Event, member: User, status: str = RSVPStatus.GOING, **extra: Any
) -> RSVP:
    """An RSVP written directly, without the RSVP rules' mails."""
    return RSVP.objects.create(event=event, member=member, status=status, **extra)


def members(count: int, prefix: str = "m", **extra: Any) -> list[User]:
    return [
        make_user(f"{prefix}{n}@example.org", name=f"Mitglied {prefix}{n}", **extra)
        for n in range(count)
    ]


def count_queries(fetch: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return len(queries)


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client
