"""Messages to members: composer, preview, test, send once; segments on known data;
batches and retries that never mail anyone twice; the log."""

import smtplib
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import MailTopic, Profile, User
from events.models import (
    Audience,
    Delivery,
    DeliveryStatus,
    Mailing,
    RSVPStatus,
    Segment,
)
from events.tasks import send_mailing
from tests.conftest import make_user
from tests.events.orga_support import answer, count_queries, make_orga, members
from tests.mail_support import opt_in

pytestmark = pytest.mark.django_db

NOW = "2026-11-20T12:00"


@pytest.fixture
def orga(db: None) -> User:
    return make_orga()


@pytest.fixture
def world(make_event: Any) -> dict[str, Any]:
    """Known data: a past evening with check-ins, a coming one with answers, and
    members active and inactive at different times."""
    now = timezone.now()
    past = make_event(title="Stammtisch im Oktober", starts_at=now - timedelta(days=35))
    coming = make_event(title="Stammtisch im Dezember")
    people = {
        name: make_user(f"{name}@example.org", name=name.title())
        for name in [
            "anna",  # going to the coming one (English)
            "ben",  # waiting for the coming one
            "nina",  # said no to the coming one
            "otto",  # there last time (checked in)
            "paul",  # said yes last time, did not come (no-show)
            "quiet",  # member for a year, never answered anything
            "newbie",  # joined last week, no answer yet
            "optout",  # going, but takes no messages from the Orga-Team
        ]
    }
    opt_in(*[u for n, u in people.items() if n != "optout"])
    Profile.objects.filter(user=people["anna"]).update(preferred_language="en")
    answer(coming, people["anna"])
    answer(coming, people["ben"], RSVPStatus.WAITING, waiting_since=now)
    answer(coming, people["nina"], RSVPStatus.NOT_GOING)
    answer(coming, people["optout"])
    answer(past, people["otto"], checked_in_at=past.starts_at)
    answer(past, people["paul"])
    long_ago = now - timedelta(days=400)
    for name in ["otto", "paul", "quiet", "optout"]:
        User.objects.filter(pk=people[name].pk).update(date_joined=long_ago)
    for name in ["anna", "ben", "nina"]:
        User.objects.filter(pk=people[name].pk).update(
            date_joined=now - timedelta(days=200)
        )
    # Otto's and Paul's answers are from last month's evening.
    past.rsvps.update(created_at=now - timedelta(days=40))
    User.objects.filter(pk=people["newbie"].pk).update(
        date_joined=now - timedelta(days=7)
    )
    return {"past": past, "coming": coming, **people}


def names(users: Any) -> list[str]:
    return sorted(u.email.split("@")[0] for u in users)


@pytest.mark.frozen(NOW)
@pytest.mark.parametrize(
    ("segment", "extra", "expected"),
    [
        (Segment.GOING, {"event": "coming"}, ["anna"]),
        (Segment.GOING_OR_WAITING, {"event": "coming"}, ["anna", "ben"]),
        (Segment.WAITING, {"event": "coming"}, ["ben"]),
        (Segment.NOT_GOING, {"event": "coming"}, ["nina"]),
        (
            Segment.NO_ANSWER,
            {"event": "coming"},
            ["newbie", "olga", "otto", "paul", "quiet"],
        ),
        (Segment.ATTENDED, {"event": "past"}, ["otto"]),
        (Segment.NO_SHOW, {"event": "past"}, ["paul"]),
        (Segment.ACTIVE, {"months": 1}, ["anna", "ben", "nina"]),
        (Segment.ACTIVE, {"months": 3}, ["anna", "ben", "nina", "otto", "paul"]),
        (Segment.INACTIVE, {"months": 1}, ["otto", "paul", "quiet"]),
        (Segment.INACTIVE, {"months": 3}, ["quiet"]),
        (Segment.INACTIVE, {"months": 12}, ["quiet"]),
        (Segment.MEMBER, {"member": "otto"}, ["otto"]),
        (
            Segment.EVERYONE,
            {},
            ["anna", "ben", "newbie", "nina", "olga", "otto", "paul", "quiet"],
        ),
    ],
)
def test_each_segment_reaches_exactly_its_members(
    world: dict[str, Any], orga: User, segment: str, extra: dict, expected: list
) -> None:
    opt_in(orga)
    params = {
        key: world[value] if key != "months" else value for key, value in extra.items()
    }
    audience = Audience(segment, **params)
    audience.check()
    assert names(audience.recipients()) == expected


@pytest.mark.frozen(NOW)
def test_a_member_who_takes_no_messages_is_in_the_group_but_gets_none(
    world: dict[str, Any],
) -> None:
    audience = Audience(Segment.GOING, event=world["coming"])
    assert names(audience.group()) == ["anna", "optout"]
    assert names(audience.recipients()) == ["anna"]


@pytest.mark.frozen(NOW)
def test_attended_and_no_show_need_an_evening_that_has_begun(world) -> None:
    with pytest.raises(ValidationError) as raised:
        Audience(Segment.ATTENDED, event=world["coming"]).check()
    assert raised.value.code == "event"


# The composer ------------------------------------------------------------------


def compose_url(client: Any, **preset: Any) -> str:
    response = client.get(reverse("events:mailing-new"), preset)
    assert response.status_code == 302
    return response["Location"].split("?")[0]


def form(segment: str = Segment.ATTENDED, **extra: Any) -> dict[str, Any]:
    data = {
        "segment": segment,
        "subject": "Danke fürs Kommen",
        "body": "Schön, dass ihr da wart!\n\nDie **Fotos** kommen bald.",
    }
    data.update(extra)
    return data


@pytest.mark.frozen(NOW)
def test_new_message_gets_its_own_key_in_the_url(client, orga) -> None:
    client.force_login(orga)
    first, second = compose_url(client), compose_url(client)
    assert first != second
    key = first.rstrip("/").rsplit("/", 1)[1]
    uuid.UUID(key)
    assert client.get(first).status_code == 200


@pytest.mark.frozen(NOW)
def test_preview_shows_the_count_and_both_languages_and_sends_nothing(
    client, orga, world, mailoutbox
) -> None:
    client.force_login(orga)
    url = compose_url(client)
    data = form(event=world["past"].pk, action="preview")
    response = client.post(url, data, headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Send to 1 person?" in html
    assert response.context["count"] == 1
    previews = {p["language"]: p["mail"] for p in response.context["previews"]}
    assert "Hallo Olga Orga" in previews["de"].body
    assert "Hello Olga Orga" in previews["en"].body
    assert "<strong>Fotos</strong>" in html
    assert not mailoutbox and not Mailing.objects.exists()


@pytest.mark.frozen(NOW)
def test_test_mail_goes_only_to_the_organizer(client, orga, world, mailoutbox) -> None:
    client.force_login(orga)
    url = compose_url(client)
    response = client.post(url, form(event=world["past"].pk, action="test"))
    assert response.status_code == 200
    assert [m.to for m in mailoutbox] == [[orga.email]]
    assert mailoutbox[0].subject.startswith("[#SoMeH] [Test]")
    assert not Mailing.objects.exists()


@pytest.mark.frozen(NOW)
def test_sending_mails_the_count_shown_once_each_with_reply_to_and_a_log_entry(
    client, orga, world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    url = compose_url(client)
    data = form(Segment.GOING_OR_WAITING, event=world["coming"].pk)
    shown = client.post(url, {**data, "action": "preview"}).context["count"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "action": "send", "count": shown})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("events:mailing-list"))
    assert len(mailoutbox) == shown == 2
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "ben@example.org",
    ]
    anna = next(m for m in mailoutbox if m.to == ["anna@example.org"])
    assert anna.reply_to == [orga.email]
    assert "Hello Anna" in anna.body and "Schön, dass ihr da wart!" in anna.body
    assert "<strong>Fotos</strong>" in anna.alternatives[0].content
    mailing = Mailing.objects.get()
    assert mailing.recipient_count == 2 and mailing.sender == orga
    assert mailing.finished_at is not None
    assert set(mailing.deliveries.values_list("status", flat=True)) == {"delivered"}
    entry = LogEntry.objects.get(object_id=str(mailing.pk))
    assert entry.user == orga and entry.action_flag == ADDITION
    assert "2" in entry.get_change_message()


@pytest.mark.frozen(NOW)
def test_back_and_send_again_sends_nothing_more(
    client, orga, world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    url = compose_url(client)
    data = {**form(event=world["past"].pk), "action": "send", "count": 1}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)
        # Back to the preview, "Send" again; and the composer itself again.
        again = client.post(url, data, follow=True, headers={"accept-language": "en"})
        client.post(url, {**data, "action": "preview"})
    assert len(mailoutbox) == 1 and Mailing.objects.count() == 1
    assert "not sent again" in [str(m) for m in again.context["messages"]][-1]
    page = client.get(url, headers={"accept-language": "en"})
    assert "This message has been sent" in page.content.decode()
    # A new message (new key) is a new mailing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(compose_url(client), data)
    assert len(mailoutbox) == 2 and Mailing.objects.count() == 2


@pytest.mark.frozen(NOW)
def test_a_changed_group_is_shown_again_before_anything_is_sent(
    client, orga, world, mailoutbox
) -> None:
    client.force_login(orga)
    url = compose_url(client)
    data = {**form(event=world["past"].pk), "action": "send", "count": 5}
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["count"] == 1
    assert not mailoutbox and not Mailing.objects.exists()


@pytest.mark.frozen(NOW)
def test_one_member_from_the_attendee_list(
    client, orga, world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    checkin = client.get(reverse("events:checkin", args=[world["coming"].slug]))
    link = reverse("events:mailing-new") + (
        f"?segment=member&amp;member={world['anna'].pk}"
    )
    assert link in checkin.content.decode()
    url = compose_url(client, segment="member", member=world["anna"].pk)
    page = client.get(url + f"?segment=member&member={world['anna'].pk}")
    assert page.context["form"].initial["member"] == str(world["anna"].pk)
    data = {**form(Segment.MEMBER, member=world["anna"].pk), "action": "send"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**data, "count": 1})
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]


@pytest.mark.frozen(NOW)
def test_the_old_write_to_attendees_link_opens_the_composer_for_that_evening(
    client, orga, world
) -> None:
    client.force_login(orga)
    response = client.get(
        reverse("events:orga-message", args=[world["coming"].slug]), follow=True
    )
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["segment"] == "going"
    assert str(initial["event"]) == str(world["coming"].pk)


@pytest.mark.frozen(NOW)
@pytest.mark.parametrize(
    "bad",
    [
        {"subject": ""},
        {"body": ""},
        {"subject": "x" * 151},
        {"body": "x" * 5001},
        {"segment": "everybody-ever"},
        {"segment": "attended", "event": ""},
        {"segment": "attended", "event": "999999"},
        {"segment": "active", "months": "2"},
        {"segment": "member", "member": ""},
        {"segment": "member", "member": "abc"},
    ],
)
def test_bad_input_gives_form_errors_keeps_the_text_and_sends_nothing(
    client, orga, world, mailoutbox, bad
) -> None:
    client.force_login(orga)
    url = compose_url(client)
    data = {**form(event=world["past"].pk), **bad, "action": "send", "count": 1}
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not mailoutbox and not Mailing.objects.exists()
    if "body" not in bad:
        assert "Fotos" in response.content.decode()


@pytest.mark.frozen(NOW)
def test_a_group_without_recipients_cannot_be_sent(client, orga, world) -> None:
    client.force_login(orga)
    url = compose_url(client)
    Profile.objects.filter(user=world["quiet"]).update(notify_orga_messages=False)
    data = {**form(Segment.INACTIVE, months=12), "action": "preview"}
    response = client.post(url, data)
    assert response.context["count"] == 0
    assert 'value="send"' not in response.content.decode()
    response = client.post(url, {**data, "action": "send", "count": 0})
    assert response.status_code == 400 and not Mailing.objects.exists()


@pytest.mark.frozen(NOW)
def test_sent_list_shows_the_text_and_how_it_went(
    client, orga, world, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Mailing.objects.send_message(
            key=uuid.uuid4(),
            sender=orga,
            audience=Audience(Segment.ATTENDED, event=world["past"]),
            subject="Schon verschickt",
            body="Der *ganze* Text",
        )
    client.force_login(orga)
    html = client.get(
        reverse("events:mailing-list"), headers={"accept-language": "en"}
    ).content.decode()
    assert "Schon verschickt" in html and "Der <em>ganze</em> Text" in html
    assert "by Olga Orga" in html and "1 of 1 mail delivered" in html


@pytest.mark.frozen(NOW)
def test_sent_list_query_count_does_not_grow(client, orga, world) -> None:
    def send(n: int) -> None:
        for _ in range(n):
            Mailing.objects.send_message(
                key=uuid.uuid4(),
                sender=orga,
                audience=Audience(Segment.EVERYONE),
                subject="S",
                body="B",
            )

    opt_in(orga)
    client.force_login(orga)
    send(1)
    url = reverse("events:mailing-list")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    send(10)
    many = count_queries(lambda: client.get(url))
    assert few == many <= 6


def test_members_and_visitors_cannot_write(client, member) -> None:
    assert client.get(reverse("events:mailing-new")).status_code == 302
    client.force_login(member)
    assert client.get(reverse("events:mailing-new")).status_code == 403
    url = reverse("events:mailing-compose", args=[uuid.uuid4()])
    assert client.post(url, form()).status_code == 403
    assert client.get(reverse("events:mailing-list")).status_code == 403


# Sending: batches, failures, retries ---------------------------------------------


class FlakyBackend:
    """A mail server that refuses the first `fail` mails, then works."""

    fail = 0
    sent: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            if FlakyBackend.fail > 0:
                FlakyBackend.fail -= 1
                raise smtplib.SMTPServerDisconnected("connection lost")
            FlakyBackend.sent.append(message.to[0])
        return len(messages)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def flaky(settings: Any) -> type[FlakyBackend]:
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    FlakyBackend.sent = []
    FlakyBackend.fail = 0
    return FlakyBackend


@pytest.mark.frozen(NOW)
def test_failing_mail_server_is_retried_and_nobody_gets_it_twice(
    orga, flaky, django_capture_on_commit_callbacks
) -> None:
    people = members(5, prefix="r")
    opt_in(orga, *people)
    flaky.fail = 2
    with django_capture_on_commit_callbacks(execute=True):
        mailing, _ = Mailing.objects.send_message(
            key=uuid.uuid4(),
            sender=orga,
            audience=Audience(Segment.EVERYONE),
            subject="Hallo",
            body="Text",
        )
    assert len(flaky.sent) == 4  # 6 recipients, 2 refused
    pending = mailing.deliveries.filter(status=DeliveryStatus.PENDING)
    assert pending.count() == 2 and set(pending.values_list("attempts", flat=True)) == {
        1
    }
    assert mailing.deliveries.exclude(error="").count() == 2
    # The next round (the worker queues it for later) sends only what failed.
    send_mailing.call(mailing.pk, 1)
    send_mailing.call(mailing.pk, 1)  # run twice: nothing more
    send_mailing.call(mailing.pk, 0)
    assert sorted(flaky.sent) == sorted(p.email for p in [orga, *people])
    assert len(flaky.sent) == len(set(flaky.sent)) == 6
    mailing.refresh_from_db()
    assert mailing.finished_at is not None


@pytest.mark.frozen(NOW)
def test_a_mail_that_keeps_failing_is_logged_as_failed(orga, flaky) -> None:
    flaky.fail = 100
    opt_in(orga)
    mailing, _ = Mailing.objects.send_message(
        key=uuid.uuid4(),
        sender=orga,
        audience=Audience(Segment.MEMBER, member=orga),
        subject="Hallo",
        body="Text",
    )
    for round_ in range(5):
        send_mailing.call(mailing.pk, round_)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 5
    assert "connection lost" in delivery.error and not flaky.sent


@pytest.mark.frozen(NOW)
def test_mailing_is_sent_in_batches(
    orga, settings, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
) -> None:
    monkeypatch.setattr("events.models.mailing.BATCH_SIZE", 2)
    people = members(5, prefix="b")
    opt_in(*people)
    calls = []
    original = Mailing.send_batch

    def counting(self: Mailing, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Mailing, "send_batch", counting)
    with django_capture_on_commit_callbacks(execute=True):
        Mailing.objects.send_message(
            key=uuid.uuid4(),
            sender=orga,
            audience=Audience(Segment.EVERYONE),
            subject="Hallo",
            body="Text",
        )
    assert len(mailoutbox) == 5 and len(calls) == 3


@pytest.mark.frozen(NOW)
def test_member_who_unsubscribes_meanwhile_is_skipped(orga, mailoutbox) -> None:
    people = members(2, prefix="u")
    opt_in(*people)
    mailing, _ = Mailing.objects.send_message(
        key=uuid.uuid4(),
        sender=orga,
        audience=Audience(Segment.EVERYONE),
        subject="Hallo",
        body="Text",
    )
    people[0].profile.choose_mail(MailTopic.ORGA_MESSAGES, False)
    mailoutbox.clear()
    mail.outbox.clear()
    Delivery.objects.update(status=DeliveryStatus.PENDING, attempts=0)
    send_mailing.call(mailing.pk)
    assert people[0].email not in [m.to[0] for m in mailoutbox]
    assert Delivery.objects.get(member=people[0]).status == DeliveryStatus.SKIPPED


@pytest.mark.frozen(NOW)
def test_with_the_database_queue_failed_mails_get_a_later_round(
    orga, flaky, settings
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    people = members(3, prefix="q")
    opt_in(*people)
    flaky.fail = 1
    mailing, _ = Mailing.objects.send_message(
        key=uuid.uuid4(),
        sender=orga,
        audience=Audience(Segment.EVERYONE),
        subject="Hallo",
        body="Text",
    )
    # Queued with the mailing, in its transaction (the outbox).
    (first,) = DBTaskResult.objects.filter(task_path="events.tasks.send_mailing")
    assert first.args_kwargs["args"] == [mailing.pk]
    send_mailing.call(mailing.pk, 0)
    assert len(flaky.sent) == 2
    later = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert later.args_kwargs["args"] == [mailing.pk, 1]
    assert later.run_after > timezone.now()
    send_mailing.call(mailing.pk, 1)
    assert len(flaky.sent) == len(set(flaky.sent)) == 3


@pytest.mark.frozen(NOW)
def test_preview_query_count_does_not_grow_with_the_group(
    client, orga, make_event
) -> None:
    small, big = make_event(), make_event()
    for n, (event, count) in enumerate([(small, 2), (big, 30)]):
        people = members(count, prefix=f"p{n}x")
        opt_in(*people)
        for person in people:
            answer(event, person)
    client.force_login(orga)
    url = compose_url(client)

    def preview(event: Any) -> Any:
        data = {**form(Segment.GOING, event=event.pk), "action": "preview"}
        return lambda: client.post(url, data)

    preview(small)()
    few = count_queries(preview(small))
    many = count_queries(preview(big))
    assert few == many <= 12


@pytest.mark.django_db(transaction=True)
def test_the_same_message_sent_twice_at_the_same_moment_goes_out_once(
    mailoutbox,
) -> None:
    orga = make_orga()
    people = members(4, prefix="c")
    opt_in(*people)
    key = uuid.uuid4()
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def send() -> None:
        try:
            barrier.wait(timeout=30)
            _, created = Mailing.objects.send_message(
                key=key,
                sender=orga,
                audience=Audience(Segment.EVERYONE),
                subject="Doppelklick",
                body="Text",
            )
            results.append(created)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert Mailing.objects.count() == 1 and Delivery.objects.count() == 4
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
