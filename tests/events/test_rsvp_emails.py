"""Every RSVP e-mail: who gets it, in which language, with which calendar entry."""

import logging
import re
from datetime import datetime, time, timedelta
from functools import partial
from smtplib import SMTPException
from unittest import mock

import icalendar
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Profile
from events.models import RSVP, MailKind, RSVPStatus
from events.tasks import _reminder_subject, deliver, send_rsvp_email
from somehub.lib.dates import format_local
from tests.conftest import BERLIN, make_user
from tests.mail_support import addresses

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a commit would run: e-mails are queued only after the RSVP commits."""
    return partial(django_capture_on_commit_callbacks, execute=True)


FAILING_SMTP = mock.patch(
    "django.core.mail.backends.locmem.EmailBackend.send_messages",
    side_effect=SMTPException("mail server down"),
)


def speaks(user, language: str):
    Profile.objects.filter(user=user).update(preferred_language=language)
    return user


def calendar_of(message) -> icalendar.Event:
    (attachment,) = [a for a in message.attachments if a.filename.endswith(".ics")]
    assert attachment.mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(attachment.content)
    (event,) = calendar.walk("VEVENT")
    return event


def html_of(message) -> str:
    (alternative,) = message.alternatives
    assert alternative.mimetype == "text/html"
    return alternative.content


def subject(language: str, msgid: str, event) -> str:
    """The site's prefix, then the message with the evening's title and day."""
    with translation.override(language):
        day = format_local(event.starts_at, "day")
        return "[#SoMeH] " + gettext(msgid) % {"title": event.title, "date": day}


@pytest.mark.parametrize(
    ("language", "weekday"), [("de", "Dienstag"), ("en", "Tuesday")]
)
def test_confirmation_in_the_members_language_with_calendar_entry(
    make_event, member, mailoutbox, committed, language, weekday
) -> None:
    speaks(member, language)
    day = timezone.localdate() + timedelta(days=30)
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
    start = datetime.combine(day, time(19), tzinfo=BERLIN)
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=3))
    with committed():
        event.rsvp(member)

    (message,) = mailoutbox
    assert addresses(message) == [member.email]
    assert message.subject == subject(language, "You're in: %(title)s, %(date)s", event)
    # The subject says which evening: a member may be going to several.
    assert weekday in message.subject
    assert weekday in message.body and weekday in html_of(message)
    assert settings.SITE_URL + event.get_absolute_url() + "#rsvp" in message.body
    entry = calendar_of(message)
    assert str(entry["uid"]) == event.uid
    assert entry.decoded("dtstart") == start
    assert str(entry["status"]) == "CONFIRMED"


def test_waiting_list_confirmation_tells_the_position(
    make_event, member, mailoutbox, committed
) -> None:
    speaks(member, "en")
    event = make_event(capacity=1)
    event.rsvp(speaks(make_user("a@example.org"), "en"))
    event.rsvp(speaks(make_user("b@example.org"), "en"))
    with committed():
        event.rsvp(member)
    (message,) = mailoutbox
    assert message.subject == subject(
        "en", "You're on the waiting list: %(title)s, %(date)s", event
    )
    assert "number 2 on the waiting list" in message.body
    assert "number 2 on the waiting list" in html_of(message)
    assert calendar_of(message)


def test_promotion_mail_goes_to_who_moved_up(make_event, mailoutbox, committed) -> None:
    event = make_event(capacity=1)
    first = event.rsvp(make_user("first@example.org"))
    moved_up = speaks(make_user("second@example.org"), "en")
    event.rsvp(moved_up)
    with committed():
        first.cancel()
    (message,) = mailoutbox
    assert message.to == [moved_up.email]
    assert message.subject == subject(
        "en", "A place became free, you're in: %(title)s, %(date)s", event
    )
    assert str(calendar_of(message)["uid"]) == event.uid


def test_capacity_increase_mails_everyone_promoted(
    make_event, mailoutbox, committed
) -> None:
    event = make_event(capacity=1)
    people = [make_user(f"p{i}@example.org") for i in range(4)]
    for person in people:
        event.rsvp(person)
    with committed():
        event.change_capacity(3)
    assert sorted(m.to[0] for m in mailoutbox) == ["p1@example.org", "p2@example.org"]


def test_time_change_mails_going_and_waiting_with_updated_entry(
    make_event, mailoutbox, committed
) -> None:
    event = make_event(capacity=1)
    going = speaks(make_user("going@example.org"), "en")
    waiting = make_user("waiting@example.org")
    declined = make_user("no@example.org")
    event.rsvp(going)
    event.rsvp(waiting)
    event.decline(declined)
    old_sequence = event.sequence

    with committed():
        event.reschedule(
            starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.ends_at + timedelta(hours=1),
        )

    assert sorted(m.to[0] for m in mailoutbox) == [going.email, waiting.email]
    english = next(m for m in mailoutbox if m.to == [going.email])
    assert english.subject == subject("en", "Changed: %(title)s, %(date)s", event)
    entry = calendar_of(english)
    assert entry["sequence"] == old_sequence + 1
    assert entry.decoded("dtstart") == event.starts_at


def test_venue_change_mails_attendees(
    make_event, member, mailoutbox, committed
) -> None:
    from events.models import Venue

    event = make_event()
    event.rsvp(member)
    with committed():
        event.reschedule(venue=Venue.objects.create(name="Ständige Vertretung"))
    (message,) = mailoutbox
    assert "Ständige Vertretung" in message.body


def test_title_change_sends_no_mail(make_event, member, mailoutbox, committed) -> None:
    event = make_event()
    event.rsvp(member)
    event.title = "Neuer Titel"
    with committed():
        event.revise(["title"])
    assert mailoutbox == []


def test_cancelling_the_event_mails_everyone_going_or_waiting(
    make_event, mailoutbox, committed
) -> None:
    event = make_event(capacity=1)
    going = speaks(make_user("going@example.org"), "en")
    waiting = make_user("waiting@example.org")
    event.rsvp(going)
    event.rsvp(waiting)
    event.decline(make_user("no@example.org"))
    with committed():
        event.cancel(reason="Die Kneipe hat einen Wasserschaden.")

    assert sorted(m.to[0] for m in mailoutbox) == [going.email, waiting.email]
    english = next(m for m in mailoutbox if m.to == [going.email])
    assert english.subject == subject("en", "Cancelled: %(title)s, %(date)s", event)
    assert "Wasserschaden" in english.body and "Wasserschaden" in html_of(english)
    assert str(calendar_of(english)["status"]) == "CANCELLED"
    # RSVPs stay as they were: the history is kept.
    assert RSVP.objects.get(member=going).status == RSVPStatus.GOING


@pytest.mark.django_db(transaction=True)
def test_a_broken_mail_server_never_loses_the_rsvp(make_event, member, caplog) -> None:
    event = make_event()
    client = Client()
    client.force_login(member)
    with FAILING_SMTP, caplog.at_level(logging.ERROR):
        response = client.post(
            reverse("events:rsvp", kwargs={"slug": event.slug}), {"answer": "going"}
        )
    assert response.status_code == 302
    assert RSVP.objects.get(event=event, member=member).status == RSVPStatus.GOING
    assert any("confirmation mail for RSVP" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_a_broken_mail_server_never_undoes_a_cancellation(make_event, member) -> None:
    event = make_event(capacity=1)
    seat = event.rsvp(member)
    waiting = make_user("w@example.org")
    event.rsvp(waiting)
    with FAILING_SMTP:
        seat.cancel()
    assert RSVP.objects.get(member=member).status == RSVPStatus.NOT_GOING
    assert RSVP.objects.get(member=waiting).status == RSVPStatus.GOING


@override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
)
def test_failed_mail_is_retried_later(make_event, member) -> None:
    event = make_event()
    event.rsvp(member)  # queued only: the dummy backend runs nothing
    rsvp = RSVP.objects.get(member=member)
    backend = send_rsvp_email.get_backend()
    backend.clear()
    with FAILING_SMTP, pytest.raises(SMTPException):
        deliver(MailKind.CONFIRMATION, rsvp.pk)
    (retry,) = backend.results
    assert retry.args == [MailKind.CONFIRMATION, rsvp.pk, 2]
    assert retry.task.run_after > timezone.now()


def test_mail_for_a_cancelled_seat_is_not_sent_late(make_event, member) -> None:
    event = make_event()
    rsvp = event.rsvp(member)
    rsvp.cancel()
    mail.outbox.clear()
    assert deliver(MailKind.REMINDER, rsvp.pk) is False
    assert deliver(MailKind.PROMOTION, rsvp.pk) is False
    assert deliver(MailKind.CONFIRMATION, 999999) is False
    assert mail.outbox == []


# Reminders and the "free my seat" link


@pytest.fixture
def tomorrow_event(make_event):
    start = timezone.now() + timedelta(hours=20)
    return make_event(capacity=1, starts_at=start, ends_at=start + timedelta(hours=3))


def reminder_for(mailoutbox, user):
    (message,) = [m for m in mailoutbox if addresses(m) == [user.email]]
    return message


def test_reminder_has_a_free_my_seat_link(
    tomorrow_event, member, mailoutbox, committed
) -> None:
    speaks(member, "en")
    tomorrow_event.rsvp(member)
    with committed():
        Profile.objects.update(notify_reminders=True)
        call_command("send_reminders")
    message = reminder_for(mailoutbox, member)
    with translation.override("en"):
        # "Tomorrow", or "Tonight" when the clock is past midnight already.
        expected = "[#SoMeH] " + _reminder_subject(tomorrow_event) % {
            "title": tomorrow_event.title,
            "date": format_local(tomorrow_event.starts_at, "day"),
            "time": format_local(tomorrow_event.starts_at, "time"),
        }
    assert message.subject == expected
    rsvp = RSVP.objects.get(member=member)
    # The token is signed with a timestamp in seconds, so compare what it says,
    # not its text (a second may pass between the mail and this line).
    link = re.search(r"http://\S+/free-my-seat/([^/\s]+)/", message.body)
    assert link is not None
    assert link.group(0).startswith(
        settings.SITE_URL + tomorrow_event.get_absolute_url()
    )
    assert RSVP.from_free_seat_token(link.group(1)) == (rsvp, rsvp.version)
    assert link.group(0) in html_of(message)


def free_seat_path(rsvp: RSVP) -> str:
    return rsvp.free_seat_url().removeprefix(settings.SITE_URL)


def test_free_seat_link_asks_first_and_the_post_frees_the_seat(
    tomorrow_event, member, mailoutbox, committed, django_assert_max_num_queries
) -> None:
    seat = tomorrow_event.rsvp(member)
    next_in_line = make_user("next@example.org")
    tomorrow_event.rsvp(next_in_line)
    client = Client()  # the link works without logging in
    path = free_seat_path(seat)

    with django_assert_max_num_queries(2):
        page = client.get(path, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert b"Yes, free my seat" in page.content
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.GOING

    with committed():
        response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == tomorrow_event.get_absolute_url()
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.NOT_GOING
    assert RSVP.objects.get(member=next_in_line).status == RSVPStatus.GOING
    assert [m.to for m in mailoutbox] == [[next_in_line.email]]

    again = client.get(path, headers={"accept-language": "en"})
    assert b"Your seat is already free" in again.content


def test_forged_or_foreign_free_seat_links_are_404(
    tomorrow_event, make_event, member
) -> None:
    seat = tomorrow_event.rsvp(member)
    client = Client()
    token = seat.free_seat_token()
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for slug, bad in ((tomorrow_event.slug, forged), (make_event().slug, token)):
        url = reverse("events:free-seat", kwargs={"slug": slug, "token": bad})
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.GOING


def test_expired_free_seat_link_explains_and_changes_nothing(
    tomorrow_event, member, time_machine
) -> None:
    seat = tomorrow_event.rsvp(member)
    path = free_seat_path(seat)
    time_machine.move_to(timezone.now() + timedelta(days=4))
    client = Client()
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.GOING


def test_free_seat_link_after_the_start_changes_nothing(make_event, member) -> None:
    event = make_event()
    seat = event.rsvp(member)
    path = free_seat_path(seat)
    event.starts_at = timezone.now() - timedelta(minutes=10)
    event.ends_at = event.starts_at + timedelta(hours=3)
    event.save()
    client = Client()
    response = client.post(path)
    assert response.status_code == 302
    assert RSVP.objects.get(pk=seat.pk).status == RSVPStatus.GOING
