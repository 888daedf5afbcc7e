"""Background work for events: the e-mails about a member's RSVP.

Tasks run through django.tasks: at once in development and tests, in the
`db_worker` process in production. They are queued with the RSVP's transaction
(somehub.lib.outbox), read the current state when they run, and are safe to run
again: the worker runs each at least once (a task whose worker died is run again),
and a mail sent twice carries the same Message-ID both times.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import TaskContext, task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from accounts.models import MailTopic, User
from accounts.unsubscribe import unsubscribe_url
from events.calendar import build_calendar
from events.models import (
    RSVP,
    Event,
    EventStatus,
    MailKind,
    RSVPStatus,
)
from events.models.mailing import RETRY_DELAYS as MAILING_RETRY_DELAYS
from events.models.mailing import Mailing, MailingKind
from events.models.orga import orga_team_addresses
from events.todo import orga_team_to_tell
from somehub.lib.dates import format_local
from somehub.lib.mail import build_mail, stable_message_id
from somehub.lib.outbox import enqueue_with_transaction
from somehub.lib.text import one_line

logger = logging.getLogger(__name__)

# From this hour on, an evening today is "tonight".
EVENING_FROM = 17

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
    params = {
        "title": event.title,
        "date": format_local(event.starts_at, "day"),
        "time": format_local(event.starts_at, "time"),
    }
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
        MailKind.EVENT_REINSTATED: gettext(
            "It takes place after all: %(title)s, %(date)s"
        ),
        MailKind.REMINDER: _reminder_subject(event),
    }
    return subjects[MailKind(kind)] % params


def _reminder_subject(event: Event) -> str:
    """Says when from the real time until the evening: sent at 18:17 for 19:00
    it is tonight, not tomorrow."""
    day = timezone.localtime(event.starts_at).date()
    today = timezone.localdate()
    if day == today:
        if timezone.localtime(event.starts_at).hour >= EVENING_FROM:
            return gettext("Tonight: %(title)s, %(time)s")
        return gettext("Today: %(title)s, %(time)s")
    if day == today + timedelta(days=1):
        return gettext("Tomorrow: %(title)s, %(date)s")
    return gettext("Reminder: %(title)s, %(date)s")


def _still_relevant(kind: str, rsvp: RSVP) -> bool:
    """A queued mail may run late: send only what is still true."""
    event = rsvp.event
    if kind == MailKind.EVENT_CANCELLED:
        return rsvp.is_active and event.is_cancelled
    if event.status != EventStatus.PUBLISHED or event.is_past:
        return False
    if kind in (
        MailKind.CONFIRMATION,
        MailKind.EVENT_CHANGED,
        MailKind.EVENT_REINSTATED,
    ):
        return rsvp.is_active
    # Promotion and reminder are about a seat; a reminder only for those who
    # still want them.
    if kind == MailKind.REMINDER:
        profile = getattr(rsvp.member, "profile", None)
        if profile is None or not profile.wants(MailTopic.REMINDERS):
            return False
    return rsvp.is_going and (
        kind != MailKind.REMINDER or event.starts_at > timezone.now()
    )


def _previous(previous: dict[str, str] | None) -> dict[str, Any] | None:
    """The time and place before a change (Event.reschedule), for the mail."""
    if not previous:
        return None
    return {
        "starts_at": datetime.fromisoformat(previous["starts_at"]),
        "ends_at": datetime.fromisoformat(previous["ends_at"]),
        "venue": previous.get("venue", ""),
    }


def chosen_mail(member: User, topic: MailTopic) -> dict[str, str]:
    """What the footer of a mail the member chose says: which kind it is, the
    one-click link that stops it, and where all their choices are."""
    return {
        "unsubscribe_url": unsubscribe_url(member, topic),
        "topic_label": str(topic.label),
        "preferences_url": settings.SITE_URL + reverse("accounts:mail-preferences"),
    }


def compose(
    kind: str, rsvp: RSVP, previous: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """The e-mail of this kind for this RSVP, in the member's language; `previous`
    is what a changed evening was before."""
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
            "previous": _previous(previous),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        unsubscribe = ""
        if kind == MailKind.REMINDER:
            context["free_seat_url"] = rsvp.free_seat_url()
            # The only one of these a member may turn off: the others answer
            # something they did, or change an evening they are going to.
            context.update(chosen_mail(member, MailTopic.REMINDERS))
            unsubscribe = context["unsubscribe_url"]
        # Those with a seat get their personal QR code for the door, those with
        # an online place the link (rsvp.online_url is empty for anyone else).
        context["checkin_code"] = (
            rsvp.is_going and not rsvp.is_online and kind in CHECKIN_CODE_MAILS
        )
        context["online_url"] = rsvp.online_url if kind in ONLINE_LINK_MAILS else ""
        message = build_mail(
            subject=_subject(kind, event, rsvp),
            text=render_to_string(f"events/email/{kind}.txt", context),
            html=render_to_string(f"events/email/{kind}.html", context),
            to=member.email,
            # All mails about one evening: one conversation in the mail program.
            thread=f"event.{event.pk}",
            unsubscribe_url=unsubscribe,
            list_name=MailTopic.REMINDERS.value,
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
    context: TaskContext,
    kind: str,
    rsvp_id: int,
    attempt: int = 1,
    previous: dict[str, str] | None = None,
) -> bool:
    """Send one RSVP e-mail; on failure log it and try again later."""
    # Should this task run twice (its worker died after sending), both copies are
    # one message to mail servers and clients that deduplicate by Message-ID.
    # (make_msgid() would add a time and a random number: not the same twice.)
    message_id = stable_message_id("rsvp", context.task_result.id)
    return deliver(kind, rsvp_id, attempt, message_id=message_id, previous=previous)


def deliver(
    kind: str,
    rsvp_id: int,
    attempt: int = 1,
    *,
    message_id: str | None = None,
    previous: dict[str, str] | None = None,
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
        message = compose(kind, rsvp, previous)
        if message_id:
            message.extra_headers["Message-ID"] = message_id
        message.send()
    except Exception:
        _retry_later(kind, rsvp_id, attempt, previous)
        raise
    return True


def _retry_later(
    kind: str, rsvp_id: int, attempt: int, previous: dict[str, str] | None = None
) -> None:
    backend = send_rsvp_email.get_backend()
    if attempt <= len(RETRY_DELAYS) and backend.supports_defer:
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        extra = [previous] if previous else []
        send_rsvp_email.using(run_after=run_after).enqueue(
            kind, rsvp_id, attempt + 1, *extra
        )
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
def notify_attendees(
    event_id: int, kind: str, previous: dict[str, str] | None = None
) -> int:
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
            extra = [1, previous] if previous else []
            enqueue_with_transaction(send_rsvp_email, kind, rsvp_id, *extra)
    return len(rsvp_ids)


# Mail to a group of members (events.models.mailing).


def compose_mailing(
    mailing: Mailing,
    member: User,
    *,
    test: bool = False,
    language: str | None = None,
) -> EmailMultiAlternatives:
    """A mailing's mail to one member, in their language (or `language`, for a
    preview); a test is marked as one."""
    profile = getattr(member, "profile", None)
    if language is None:
        language = profile.preferred_language if profile else settings.LANGUAGE_CODE
    event = mailing.event
    topic = mailing.topic
    with translation.override(language):
        context: dict[str, Any] = {
            "mailing": mailing,
            "event": event,
            "name": member.greeting_name,
            **chosen_mail(member, topic),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "test": test,
        }
        if event is not None:
            context["event_url"] = settings.SITE_URL + event.get_absolute_url()
            context["rsvp_url"] = context["event_url"] + "#rsvp"
        subject = mailing.subject
        announced = event if mailing.kind == MailingKind.ANNOUNCEMENT else None
        if announced is not None:
            subject = gettext("New date: %(title)s, %(date)s") % {
                "title": announced.title,
                "date": format_local(announced.starts_at, "day"),
            }
        if test:
            subject = gettext("[Test] %(subject)s") % {"subject": subject}
        template = f"events/email/mailing_{mailing.kind}"
        sender = mailing.sender
        message = build_mail(
            subject=subject,
            text=render_to_string(f"{template}.txt", context),
            html=render_to_string(f"{template}.html", context),
            to=member.email,
            # An organizer's message was written by a person; an announcement not.
            automatic=mailing.kind == MailingKind.ANNOUNCEMENT,
            unsubscribe_url=context["unsubscribe_url"],
            list_name=topic.value,
            # Answers reach the organizer who wrote, not the no-reply sender.
            reply_to=[sender.email] if sender is not None else [],
            # The same mail each time it is sent (a retry after a lost answer).
            message_id=""
            if test
            else stable_message_id("mailing", mailing.pk, member.pk),
        )
        if announced is not None:
            message.attach(
                f"{announced.slug}.ics",
                build_calendar([announced], announced.title).decode(),
                "text/calendar",
            )
    return message


# Telling the Orga-Team of new work (events/todo.py).


@task()
def tell_orga_team(builder: str, pk: int) -> int:
    """One mail per organizer who wants them, each in their language; `builder`
    names the function that words it (events.todo.tell_orga_team)."""
    build = import_string(builder)
    sent = 0
    for organizer in orga_team_to_tell():
        with translation.override(organizer.profile.preferred_language):
            built = build(pk)
            if built is None:
                return sent
            subject, text, path = built
            topic = MailTopic.ORGA_TASKS
            context = {
                "name": organizer.greeting_name,
                "subject": subject,
                "text": text,
                "url": settings.SITE_URL + path,
                **chosen_mail(organizer, topic),
                "SITE_NAME": settings.SITE_NAME,
            }
            mail = build_mail(
                subject=subject,
                text=render_to_string("events/email/orga_task.txt", context),
                html=render_to_string("events/email/orga_task.html", context),
                to=organizer.email,
                unsubscribe_url=context["unsubscribe_url"],
                list_name=topic.value,
            )
        mail.send()
        sent += 1
    return sent


@task()
def send_mailing(mailing_id: int, round_: int = 0) -> int:
    """Send one batch of a mailing's pending mails; queue the next batch, or the
    next round for mails that failed (later, when the queue can wait)."""
    mailing = (
        Mailing.objects.select_related("event__venue", "event__series", "sender")
        .filter(pk=mailing_id)
        .first()
    )
    if mailing is None:
        return 0

    def send(member: User) -> None:
        compose_mailing(mailing, member).send()

    result = mailing.send_batch(send, round_)
    if result.more_this_round:
        enqueue_with_transaction(send_mailing, mailing_id, round_)
    elif result.retry and round_ < len(MAILING_RETRY_DELAYS):
        backend = send_mailing.get_backend()
        if backend.supports_defer:
            run_after = timezone.now() + MAILING_RETRY_DELAYS[round_]
            send_mailing.using(run_after=run_after).enqueue(mailing_id, round_ + 1)
        else:
            logger.warning(
                "Mailing %s: %s mails failed; this task queue cannot retry later",
                mailing_id,
                result.failed,
            )
    return result.delivered


@task()
def announce_event(event_id: int) -> bool:
    """Queue the announcement of a newly published evening (once per evening)."""
    event = Event.objects.with_venue().filter(pk=event_id).first()
    return event is not None and Mailing.objects.announce(event) is not None


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
        subject = gettext("Message via the contact form from %(name)s") % {"name": name}
        text = render_to_string("events/email/contact_message.txt", context)
        html = render_to_string("events/email/contact_message.html", context)
    # One mail per organizer: nobody sees the others' addresses.
    for address in recipients:
        build_mail(
            subject=subject, text=text, html=html, to=address, reply_to=[email]
        ).send()
    return len(recipients)
