"""Every e-mail the site sends starts its subject with the same "[#SoMeH] ", so that
members recognise (and can filter) them: account mails from allauth, the RSVP code,
the RSVP mails, the Orga-Team's messages, announcements, comment notifications and
Impulse mails."""

import re
from typing import Any

import pytest

from accounts.models import User
from tests.mail_support import KINDS, send_every_kind

pytestmark = pytest.mark.django_db

PREFIX = "[#SoMeH] "


def test_every_mail_has_the_same_prefix(
    make_event: Any,
    member: User,
    stranger: User,
    organizer: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Any,
) -> None:
    send_every_kind(
        make_event, member, stranger, organizer, django_capture_on_commit_callbacks
    )
    subjects = [m.subject for m in mailoutbox]
    missing = [
        kind for kind, p in KINDS.items() if not any(re.search(p, s) for s in subjects)
    ]
    assert not missing, (missing, subjects)
    assert [s for s in subjects if not s.startswith(PREFIX)] == []
    assert [s for s in subjects if s.count(PREFIX.strip()) != 1] == []
