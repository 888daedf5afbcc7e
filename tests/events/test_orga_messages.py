""" "Write to attendees": one e-mail each, in their language, logged, never twice."""

import uuid

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from events.models import AttendeeMessage, Event, RSVPStatus
from tests.conftest import make_user
from tests.events.orga_support import answer, count_queries, make_orga, members

pytestmark = pytest.mark.django_db


@pytest.fixture
def orga(db):
    return make_orga()


@pytest.fixture
def event(make_event) -> Event:
    event = make_event(title="Stammtisch im Dezember")
    anna = make_user("anna@example.org", name="Anna Ärger")
    ben = make_user("ben@example.org", name="Ben Böhm")
    Profile.objects.filter(user=ben).update(preferred_language="en")
    wanda = make_user("wanda@example.org", name="Wanda Warteliste")
    nina = make_user("nina@example.org", name="Nina Nein")
    answer(event, anna)
    answer(event, ben)
    answer(event, wanda, RSVPStatus.WAITING, waiting_since=timezone.now())
    answer(event, nina, RSVPStatus.NOT_GOING)
    return event


def url(event: Event) -> str:
    return reverse("events:orga-message", args=[event.slug])


def form_data(key: uuid.UUID | str, **extra: str) -> dict[str, str]:
    data = {
        "subject": "Wir sitzen hinten im Wintergarten",
        "body": "Hallo zusammen,\n\nwir sind heute im Wintergarten. Bis gleich!",
        "key": str(key),
    }
    data.update(extra)
    return data


def test_form_carries_a_fresh_key_each_time(client, orga, event) -> None:
    client.force_login(orga)
    first = client.get(url(event)).context["key"]
    second = client.get(url(event)).context["key"]
    assert isinstance(first, uuid.UUID) and first != second
    page = client.get(url(event))
    assert f'name="key" value="{page.context["key"]}"' in page.content.decode()


def test_message_goes_to_everyone_going_each_in_their_own_email(
    client, orga, event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(event), form_data(uuid.uuid4()))
    assert response.status_code == 302 and response["Location"] == url(event)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "ben@example.org",
    ]
    assert all(len(m.to) == 1 for m in mailoutbox)  # nobody sees the others' addresses
    by_address = {m.to[0]: m for m in mailoutbox}
    assert (
        by_address["anna@example.org"].subject
        == "[#SoMeH] Wir sitzen hinten im Wintergarten"
    )
    assert "wir sind heute im Wintergarten" in by_address["anna@example.org"].body
    assert "Anna Ärger" in by_address["anna@example.org"].body
    assert "Hello Ben Böhm" in by_address["ben@example.org"].body  # Ben reads English
    html = by_address["anna@example.org"].alternatives[0].content
    assert "<p>Hallo zusammen,</p>" in html
    message = AttendeeMessage.objects.get()
    assert message.sender == orga and message.recipient_count == 2
    assert message.sent_at is not None and not message.include_waiting
    entry = LogEntry.objects.get(object_id=str(message.pk))
    assert entry.user == orga and entry.action_flag == ADDITION


def test_waiting_list_is_included_when_ticked(
    client, orga, event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(event), form_data(uuid.uuid4(), include_waiting="on"))
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "ben@example.org",
        "wanda@example.org",
    ]
    assert AttendeeMessage.objects.get().recipient_count == 3


def test_resubmitted_form_is_not_sent_twice(
    client, orga, event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    key = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(event), form_data(key))
        again = client.post(
            url(event), form_data(key), follow=True, headers={"accept-language": "en"}
        )
    assert len(mailoutbox) == 2
    assert AttendeeMessage.objects.count() == 1
    assert "not sent again" in [str(m) for m in again.context["messages"]][-1]
    # A new form (new key) is a new message.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(event), form_data(uuid.uuid4(), subject="Noch was"))
    assert len(mailoutbox) == 4 and AttendeeMessage.objects.count() == 2


def test_running_the_send_task_twice_sends_once(event, orga, mailoutbox) -> None:
    message, created = AttendeeMessage.objects.write(
        event,
        orga,
        subject="Hallo",
        body="Text",
        include_waiting=False,
        key=uuid.uuid4(),
    )
    assert created
    assert message.send() == 2
    message.refresh_from_db()
    assert message.send() == 0
    assert len(mailoutbox) == 2


def test_nobody_going_means_nothing_to_send(
    client, orga, make_event, mailoutbox
) -> None:
    empty = make_event()
    client.force_login(orga)
    response = client.post(url(empty), form_data(uuid.uuid4()))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not AttendeeMessage.objects.exists() and not mailoutbox


@pytest.mark.parametrize(
    "bad",
    [
        {"subject": ""},
        {"body": ""},
        {"subject": "x" * 151},
        {"body": "x" * 5001},
        {"key": "not-a-uuid"},
        {"key": ""},
    ],
)
def test_bad_input_gives_form_errors_and_sends_nothing(
    client, orga, event, mailoutbox, bad
) -> None:
    client.force_login(orga)
    response = client.post(url(event), {**form_data(uuid.uuid4()), **bad})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AttendeeMessage.objects.exists() and not mailoutbox
    # The page always offers a usable key to send with.
    assert isinstance(response.context["key"], uuid.UUID | str)
    uuid.UUID(str(response.context["key"]))


def test_errors_are_tied_to_their_fields(client, orga, event) -> None:
    client.force_login(orga)
    html = client.post(url(event), form_data(uuid.uuid4(), subject="")).content.decode()
    assert 'aria-describedby="id_subject_error"' in html
    assert 'id="id_subject_error"' in html


def test_page_lists_what_was_sent(client, orga, event) -> None:
    AttendeeMessage.objects.write(
        event,
        orga,
        subject="Schon verschickt",
        body="Text",
        include_waiting=False,
        key=uuid.uuid4(),
    )
    client.force_login(orga)
    html = client.get(url(event), headers={"accept-language": "en"}).content.decode()
    assert "Schon verschickt" in html and "by Olga Orga, to 2 people" in html


def test_message_page_query_count_does_not_grow(client, orga, make_event) -> None:
    small, big = make_event(), make_event()
    for n, (event, count) in enumerate([(small, 2), (big, 30)]):
        for member in members(count, prefix=f"q{n}x"):
            answer(event, member)
        for _ in range(count // 2 + 1):
            AttendeeMessage.objects.write(
                event,
                orga,
                subject="S",
                body="B",
                include_waiting=False,
                key=uuid.uuid4(),
            )
    client.force_login(orga)
    client.get(url(small))
    few = count_queries(lambda: client.get(url(small)))
    many = count_queries(lambda: client.get(url(big)))
    assert few == many <= 5
