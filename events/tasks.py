"""Background work for events: the e-mails about a member's RSVP.

Tasks run through django.tasks: at once in development and tests, in the
`db_worker` process in production. They are queued with the RSVP's transaction
(somehub.lib.outbox), read the current state when they run, and are safe to run
again: the worker runs each at least once (a task whose worker died is run again),
and a mail sent twice carries the same Message-ID both times.
"""

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import TaskContext, task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.calendar import build_calendar
from events.models import (
    RSVP,
    AttendeeMessage,
    Event,
    EventStatus,
    MailKind,
    RSVPStatus,
)
from events.models.orga import orga_team_addresses
from somehub.lib.dates import format_local
from somehub.lib.outbox import enqueue_with_transaction
from somehub.lib.subject import mail_subject
from somehub.lib.text import one_line

logger = logging.getLogger(__name__)

# A failed mail is tried again after these delays (with a backend that can wait).
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)


# The mails that carry the member's QR code for the door, attached as an image.
CHECKIN_CODE_MAILS = (MailKind.CONFIRMATION, MailKind.PROMOTION, MailKind.REMINDER)
CHECKIN_CODE_FILE = "check-in-code.png"
# The mails that carry the online link to a member with an online place.
ONLINE_LINK_MAILS = (
    MailKind.CONFIRMATION,
    MailKind.PROMOTION,
    MailKind.REMINDER,
    MailKind.EVENT_CHANGED,
)


def _subject(kind: str, event: Event, rsvp: RSVP) -> str:
    params = {"title": event.title, "date": format_local(event.starts_at, "day")}
    subjects = {
        MailKind.CONFIRMATION: (
            gettext("You're in: %(title)s, %(date)s")
            if rsvp.is_going
            else gettext("You're on the waiting list: %(title)s, %(date)s")
        ),
        MailKind.PROMOTION: gettext(
            "A place became free, you're in: %(title)s, %(date)s"
        ),
        MailKind.EVENT_CHANGED: gettext("Changed: %(title)s, %(date)s"),
        MailKind.EVENT_CANCELLED: gettext("Cancelled: %(title)s, %(date)s"),
        MailKind.REMINDER: gettext("Tomorrow: %(title)s, %(date)s"),
    }
    return mail_subject(subjects[MailKind(kind)] % params)


def _still_relevant(kind: str, rsvp: RSVP) -> bool:
    """A queued mail may run late: send only what is still true."""
    event = rsvp.event
    if kind == MailKind.EVENT_CANCELLED:
        return rsvp.is_active and event.is_cancelled
    if event.status != EventStatus.PUBLISHED or event.is_past:
        return False
    if kind == MailKind.CONFIRMATION or kind == MailKind.EVENT_CHANGED:
        return rsvp.is_active
    # Promotion and reminder are about a seat.
    return rsvp.is_going and (
        kind != MailKind.REMINDER or event.starts_at > timezone.now()
    )


def compose(kind: str, rsvp: RSVP) -> EmailMultiAlternatives:
    """The e-mail of this kind for this RSVP, in the member's language."""
    member = rsvp.member
    profile = getattr(member, "profile", None)
    language = profile.preferred_language if profile else settings.LANGUAGE_CODE
    event = rsvp.event
    with translation.override(language):
        context: dict[str, Any] = {
            "kind": kind,
            "rsvp": rsvp,
            "event": event,
            "name": member.greeting_name,
            "event_url": settings.SITE_URL + event.get_absolute_url(),
            "rsvp_url": settings.SITE_URL + event.get_absolute_url() + "#rsvp",
            "my_events_url": settings.SITE_URL + reverse("events:my-events"),
            "events_url": settings.SITE_URL + reverse("events:list"),
            "position": rsvp.waiting_list_position(),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        if kind == MailKind.REMINDER:
            context["free_seat_url"] = rsvp.free_seat_url()
        # Those with a seat get their personal QR code for the door, those with
        # an online place the link (rsvp.online_url is empty for anyone else).
        context["checkin_code"] = (
            rsvp.is_going and not rsvp.is_online and kind in CHECKIN_CODE_MAILS
        )
        context["online_url"] = rsvp.online_url if kind in ONLINE_LINK_MAILS else ""
        message = EmailMultiAlternatives(
            subject=_subject(kind, event, rsvp),
            body=render_to_string(f"events/email/{kind}.txt", context),
            to=[member.email],
        )
        message.attach_alternative(
            render_to_string(f"events/email/{kind}.html", context), "text/html"
        )
        if kind != MailKind.REMINDER:
            message.attach(
                f"{event.slug}.ics",
                build_calendar(
                    [event],
                    event.title,
                    online_for=[event.pk] if rsvp.online_url else [],
                ).decode(),
                "text/calendar",
            )
        if context["checkin_code"]:
            message.attach(CHECKIN_CODE_FILE, rsvp.checkin_qr_png(), "image/png")
    return message


@task(takes_context=True)
def send_rsvp_email(
    context: TaskContext, kind: str, rsvp_id: int, attempt: int = 1
) -> bool:
    """Send one RSVP e-mail; on failure log it and try again later."""
    # Should this task run twice (its worker died after sending), both copies are
    # one message to mail servers and clients that deduplicate by Message-ID.
    # (make_msgid() would add a time and a random number: not the same twice.)
    message_id = f"<rsvp.{context.task_result.id}@{_mail_domain()}>"
    return deliver(kind, rsvp_id, attempt, message_id=message_id)


def _mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def deliver(
    kind: str, rsvp_id: int, attempt: int = 1, *, message_id: str | None = None
) -> bool:
    """The work of send_rsvp_email: False when there is nothing (left) to send."""
    rsvp = (
        RSVP.objects.select_related("event__venue", "event__series", "member__profile")
        .filter(pk=rsvp_id)
        .first()
    )
    if rsvp is None or not _still_relevant(kind, rsvp):
        return False
    try:
        message = compose(kind, rsvp)
        if message_id:
            message.extra_headers["Message-ID"] = message_id
        message.send()
    except Exception:
        _retry_later(kind, rsvp_id, attempt)
        raise
    return True


def _retry_later(kind: str, rsvp_id: int, attempt: int) -> None:
    backend = send_rsvp_email.get_backend()
    if attempt <= len(RETRY_DELAYS) and backend.supports_defer:
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        send_rsvp_email.using(run_after=run_after).enqueue(kind, rsvp_id, attempt + 1)
        logger.exception(
            "Sending %s mail for RSVP %s failed (attempt %s); retrying at %s",
            kind,
            rsvp_id,
            attempt,
            run_after.isoformat(),
        )
    else:
        logger.exception(
            "Sending %s mail for RSVP %s failed (attempt %s); giving up",
            kind,
            rsvp_id,
            attempt,
        )


@task()
def notify_attendees(event_id: int, kind: str) -> int:
    """Queue one e-mail per member going or waiting (e.g. the event changed)."""
    rsvp_ids = list(
        RSVP.objects.filter(event_id=event_id)
        .filter(status__in=[RSVPStatus.GOING, RSVPStatus.WAITING])
        .values_list("pk", flat=True)
    )
    # All queued in one transaction: if this task is run again (its worker died),
    # nobody gets the mail twice because the first run got halfway.
    with transaction.atomic():
        for rsvp_id in rsvp_ids:
            enqueue_with_transaction(send_rsvp_email, kind, rsvp_id)
    return len(rsvp_ids)


# The Orga-Team's "write to attendees".


@task()
def send_attendee_message(message_id: int) -> int:
    """Send an organizer's message, one e-mail per recipient; never twice."""
    message = AttendeeMessage.objects.select_related("event").filter(pk=message_id)
    found = message.first()
    # Gone (event deleted in between): nothing to send.
    return found.send() if found is not None else 0


# A visitor's message to the Orga-Team (events/views/contact.py).


@task()
def send_contact_message(name: str, email: str, message: str, language: str) -> int:
    """Send a visitor's message to every organizer, with Reply-To the visitor, so
    that an answer reaches them. Returns the number of organizers written to."""
    recipients = orga_team_addresses()
    if not recipients:
        logger.error("A contact message from %s found no organizer to go to", email)
        return 0
    name = one_line(name)[:100]
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "name": name,
            "email": email,
            "message": message,
            "language": language,
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        mail = EmailMultiAlternatives(
            subject=mail_subject(
                gettext("Message via the contact form from %(name)s") % {"name": name}
            ),
            body=render_to_string("events/email/contact_message.txt", context),
            to=recipients,
            reply_to=[email],
        )
    mail.send()
    return len(recipients)
