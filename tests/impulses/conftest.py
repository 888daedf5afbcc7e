"""People, wishes and proposals for the Impulse tests."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from events.models import Event
from impulses.models import Proposal, ProposalStatus, Wish
from tests.conftest import make_user


@pytest.fixture
def organizer(organizer: User) -> User:
    """The shared organizer, who may also review Impulse and tidy wishes."""
    organizer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="impulses")
    )
    return User.objects.get(pk=organizer.pk)  # a fresh object: no stale perm cache


@pytest.fixture
def third(db: None) -> User:
    return make_user("tia@example.org", name="Tia Dritte")


@pytest.fixture
def unverified(db: None) -> User:
    return make_user("ulf@example.org", name="Ulf Unbestätigt", verified=False)


@pytest.fixture
def make_wish(db: None, member: User) -> Callable[..., Wish]:
    counter = iter(range(1, 100000))

    def factory(**overrides: Any) -> Wish:
        fields: dict[str, Any] = {
            "title": f"Wie antworte ich auf Kritik, Teil {next(counter)}?",
            "author": member,
        }
        fields.update(overrides)
        return Wish.objects.create(**fields)

    return factory


@pytest.fixture
def make_proposal(db: None, member: User) -> Callable[..., Proposal]:
    counter = iter(range(1, 100000))

    def factory(**overrides: Any) -> Proposal:
        fields: dict[str, Any] = {
            "title": f"Active Sourcing ohne Spam {next(counter)}",
            "abstract": "Was ich über die erste Nachricht gelernt habe.",
            "length": 10,
            "private_note": "Ich kann nur dienstags.",
            "proposer": member,
        }
        fields.update(overrides)
        return Proposal.objects.create(**fields)

    return factory


@pytest.fixture
def accepted(make_proposal: Callable[..., Proposal]) -> Proposal:
    return make_proposal(status=ProposalStatus.ACCEPTED)


def at(event: Event, minutes: int = 15):
    """A time within the evening."""
    return event.starts_at + timedelta(minutes=minutes)
