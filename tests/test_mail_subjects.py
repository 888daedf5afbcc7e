"""Every e-mail the site sends starts its subject with the same "[#SoMeH] ", so that
members recognise (and can filter) them: account mails from allauth, the RSVP code,
the RSVP mails, the Orga-Team's messages, comment notifications and Impulse mails."""

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from events.models import AttendeeMessage
from impulses.models import Proposal
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event

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
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # Accounts: sign-up, login code, unknown address, deletion code.
        Client().post(reverse("account_signup"), {"email": "nora@example.org"})
        Client().post(reverse("account_request_login_code"), {"email": member.email})
        Client().post(reverse("account_request_login_code"), {"email": "x@example.org"})
        passwordless = make_user("pia@example.org")
        passwordless.set_unusable_password()
        passwordless.save()
        client = Client()
        client.force_login(passwordless)
        client.post(reverse("accounts:delete-code"))
        # "I'm coming" by e-mail.
        event = make_event(capacity=1)
        Client().post(
            reverse("events:rsvp-by-email", args=[event.slug]),
            {"email": "lea@example.org"},
            headers={"sec-fetch-site": "same-origin"},
        )
    with django_capture_on_commit_callbacks(execute=True):
        # RSVP mails: confirmation, waiting list, promotion, change, reminder.
        first = event.rsvp(member)
    with django_capture_on_commit_callbacks(execute=True):
        event.rsvp(stranger)
    with django_capture_on_commit_callbacks(execute=True):
        first.cancel()
    with django_capture_on_commit_callbacks(execute=True):
        event.reschedule(
            starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.ends_at + timedelta(hours=1),
        )
    soon = make_event(starts_at=timezone.now() + timedelta(hours=5))
    soon.rsvp(member)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    with django_capture_on_commit_callbacks(execute=True):
        # The Orga-Team writes to everyone going, then cancels.
        AttendeeMessage.objects.write(
            event,
            organizer,
            subject="Wir sitzen hinten",
            body="Bis gleich!",
            include_waiting=True,
            key=uuid.uuid4(),
        )
        event.cancel("Die Kneipe hat zu.")
    with django_capture_on_commit_callbacks(execute=True):
        # A reply to a comment, and an Impulse decision.
        recap = make_recap(past_event(make_event), author=organizer)
        parent = recap.add_comment(member, "Schön war's!")
        recap.add_comment(stranger, "Fand ich auch.", parent)
        Proposal.objects.create(
            proposer=member, title="Reels", abstract="Kurz und knapp."
        ).decline("Diesmal nicht.")

    subjects = [m.subject for m in mailoutbox]
    kinds = {
        "sign-up": r"confirm your e-mail|E-Mail-Adresse",
        "login code": r"login code|Login-Code",
        "unknown address": r"don't know this address|kennen wir",
        "deletion code": r"delete your account|Löschen deines Kontos",
        "RSVP code": r"Your code for|Dein Code für",
        "confirmation": r"You're in|Du bist dabei",
        "waiting list": r"waiting list|Warteliste",
        "promotion": r"became free|frei geworden",
        "changed": r"Changed|Geändert",
        "reminder": r"Tomorrow|Morgen|Tonight|Heute|Today|Reminder|Erinnerung",
        "Orga-Team message": r"Wir sitzen hinten",
        "cancelled": r"Cancelled|Abgesagt",
        "comment reply": r"replied|geantwortet",
        "Impulse": r"Impuls",
    }
    missing = [
        kind for kind, p in kinds.items() if not any(re.search(p, s) for s in subjects)
    ]
    assert not missing, (missing, subjects)
    assert [s for s in subjects if not s.startswith(PREFIX)] == []
    assert [s for s in subjects if s.count(PREFIX.strip()) != 1] == []
