"""Every kind of e-mail the site sends, made the way members get them, for the
tests of subjects, headers and spam scores."""

import re
import uuid
from datetime import timedelta
from email.utils import getaddresses
from typing import Any

from django.core.cache import cache
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import MailTopic, Profile, User
from events.models import Audience, Event, Mailing, Segment
from impulses.models import Proposal
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event

# How to tell each kind by its subject (German or English).
KINDS = {
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
    "announcement": r"New date|Neuer Termin",
    "cancelled": r"Cancelled|Abgesagt",
    "takes place after all": r"after all|[Dd]och statt",
    "Orga-Team task": r"comment was reported|Kommentar wurde gemeldet",
    "comment reply": r"replied|geantwortet",
    "Impulse": r"Impuls",
}
# Kinds a member may turn off: they carry List-Unsubscribe.
UNSUBSCRIBABLE = {
    "reminder",
    "Orga-Team message",
    "announcement",
    "comment reply",
    "Orga-Team task",
}
# Written by a person: no Auto-Submitted.
WRITTEN_BY_A_PERSON = {"Orga-Team message"}


def addresses(message: EmailMessage) -> list[str]:
    """The bare addresses a mail goes to ("Mia <mia@…>" gives "mia@…")."""
    return [address for _name, address in getaddresses(message.to)]


def opt_in(*users: User) -> None:
    Profile.objects.filter(user__in=users).update(
        **{topic.field: True for topic in MailTopic}
    )


def send_every_kind(
    make_event: Any,
    member: User,
    stranger: User,
    organizer: User,
    capture: Any,
) -> Event:
    """Make the site send each kind of mail at least once; returns the evening."""
    cache.clear()
    opt_in(member, stranger, organizer)
    with capture(execute=True):
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
    with capture(execute=True):
        # RSVP mails: confirmation, waiting list, promotion, change, reminder.
        first = event.rsvp(member)
    with capture(execute=True):
        event.rsvp(stranger)
    with capture(execute=True):
        first.cancel()
    with capture(execute=True):
        event.reschedule(
            starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.ends_at + timedelta(hours=1),
        )
    soon = make_event(starts_at=timezone.now() + timedelta(hours=5))
    soon.rsvp(member)
    with capture(execute=True):
        call_command("send_reminders")
    with capture(execute=True):
        # A new date is announced.
        make_event(title="Stammtisch im Frühling", status="draft").publish()
    with capture(execute=True):
        # The Orga-Team writes to everyone going or waiting, then cancels.
        Mailing.objects.send_message(
            key=uuid.uuid4(),
            sender=organizer,
            audience=Audience(Segment.GOING_OR_WAITING, event=event),
            subject="Wir sitzen hinten",
            body="Bis gleich! Wir sitzen **hinten links** am großen Tisch.",
        )
        event.cancel("Die Kneipe hat zu.")
    with capture(execute=True):
        # ... and takes it back: the evening takes place after all.
        event.reinstate()
    with capture(execute=True):
        # A reply to a comment, and an Impulse decision.
        recap = make_recap(past_event(make_event), author=organizer)
        parent = recap.add_comment(member, "Schön war's!")
        answer = recap.add_comment(stranger, "Fand ich auch.", parent)
        # A report goes to the Orga-Team.
        answer.report(member, "Nicht nett.")
        Proposal.objects.create(
            proposer=member, title="Reels", abstract="Kurz und knapp."
        ).decline("Diesmal nicht.")
    return event


def by_kind(outbox: list[EmailMessage]) -> dict[str, EmailMessage]:
    """One mail of each kind (the first), by the names in KINDS."""
    found: dict[str, EmailMessage] = {}
    for kind, pattern in KINDS.items():
        for message in outbox:
            if re.search(pattern, message.subject):
                found[kind] = message
                break
    return found
