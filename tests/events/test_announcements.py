"""The announcement of a new date: when the Orga-Team publishes an evening (or
from the admin, on demand), one mail to each member who asked for new dates, in
their language, with date, place, motto, the Impuls, an "I'm coming" link and the
calendar entry; never twice for the same evening."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, User
from events.models import Event, EventStatus, Mailing, MailingKind
from impulses.models import AgendaItem
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(db: None) -> dict[str, User]:
    people = {
        "anna": make_user("anna@example.org", name="Anna"),
        "ben": make_user("ben@example.org", name="Ben"),
        "nobody": make_user("nobody@example.org", name="Nora"),
        "unconfirmed": make_user("new@example.org", name="Neu", verified=False),
        "gone": make_user("gone@example.org", name="Gone", is_active=False),
    }
    Profile.objects.exclude(user=people["nobody"]).update(notify_announcements=True)
    Profile.objects.filter(user=people["ben"]).update(preferred_language="en")
    return people


@pytest.fixture
def draft(make_event: Any) -> Event:
    return make_event(
        title="Stammtisch im März",
        motto="Reels ohne Reue",
        status=EventStatus.DRAFT,
    )


def publish(event: Event, capture: Any) -> None:
    with capture(execute=True):
        assert event.publish()


def test_publishing_mails_exactly_the_members_who_asked_once_in_their_language(
    draft, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    publish(draft, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "ben@example.org",
    ]
    anna = next(m for m in mailoutbox if m.to == ["anna@example.org"])
    ben = next(m for m in mailoutbox if m.to == ["ben@example.org"])
    assert anna.subject.startswith("[#SoMeH] Neuer Termin: Stammtisch im März")
    assert ben.subject.startswith("[#SoMeH] New date: Stammtisch im März")
    assert "Hallo Anna" in anna.body and "Hello Ben" in ben.body
    for message in (anna, ben):
        assert "Reels ohne Reue" in message.body and "La Sall" in message.body
        assert draft.get_absolute_url() + "#rsvp" in message.body
        html = message.alternatives[0].content
        assert draft.get_absolute_url() + "#rsvp" in html
        assert [a[0] for a in message.attachments] == [f"{draft.slug}.ics"]
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    mailing = Mailing.objects.get()
    assert mailing.kind == MailingKind.ANNOUNCEMENT and mailing.recipient_count == 2


def test_the_im_coming_link_never_rsvps_by_itself(
    client, draft, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    publish(draft, django_capture_on_commit_callbacks)
    client.force_login(readers["anna"])
    link = draft.get_absolute_url()
    response = client.get(link)
    assert response.status_code == 200
    assert not draft.rsvps.exists()
    assert 'id="rsvp"' in response.content.decode()


def test_never_twice_for_the_same_evening(
    draft, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    publish(draft, django_capture_on_commit_callbacks)
    # Back to draft by hand and published again; the admin's "announce now".
    Event.objects.filter(pk=draft.pk).update(status=EventStatus.DRAFT)
    draft.refresh_from_db()
    publish(draft, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert Mailing.objects.announce(draft) is None
    assert len(mailoutbox) == 2 and Mailing.objects.count() == 1


def test_a_later_change_mails_those_going_not_a_second_announcement(
    draft, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    publish(draft, django_capture_on_commit_callbacks)
    answer(draft, readers["nobody"])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        draft.reschedule(
            starts_at=draft.starts_at + timedelta(hours=1),
            ends_at=draft.ends_at + timedelta(hours=1),
        )
    # Nora did not ask for announcements, but she is going: the change is hers.
    assert [m.to for m in mailoutbox] == [["nobody@example.org"]]
    assert mailoutbox[0].subject.startswith("[#SoMeH] Geändert")
    assert Mailing.objects.count() == 1


def test_past_or_cancelled_evenings_are_not_announced(
    make_event, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    past = make_event(starts_at=timezone.now() - timedelta(days=3))
    cancelled = make_event(status=EventStatus.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        assert Mailing.objects.announce(past) is None
        assert Mailing.objects.announce(cancelled) is None
    assert not mailoutbox


def test_the_impuls_on_the_agenda_is_in_the_announcement(
    draft, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    AgendaItem.objects.create(
        event=draft,
        starts_at=draft.starts_at + timedelta(minutes=30),
        title="Reels, die keiner hasst",
        speaker_name="Gala Gast",
        length=15,
    )
    publish(draft, django_capture_on_commit_callbacks)
    anna = next(m for m in mailoutbox if m.to == ["anna@example.org"])
    assert "Der Impuls des Abends" in anna.body
    assert "Reels, die keiner hasst (Gala Gast, 19:30" in anna.body
    assert "Reels, die keiner hasst" in anna.alternatives[0].content


def test_admin_announce_now_announces_once_and_logs_it(
    client, make_event, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    orga = make_orga()
    # Published before announcements existed.
    event = make_event(title="Schon veröffentlicht")
    client.force_login(orga)
    url = reverse("admin:events_event_changelist")
    data = {"action": "announce_events", "_selected_action": [event.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data, follow=True, headers={"accept-language": "en"})
        second = client.post(url, data, follow=True, headers={"accept-language": "en"})
    assert len(mailoutbox) == 2
    assert "1 date announced." in [str(m) for m in first.context["messages"]]
    assert "was not announced" in " ".join(str(m) for m in second.context["messages"])
    assert LogEntry.objects.filter(object_id=str(event.pk)).count() == 1


def test_publishing_in_the_admin_announces(
    client, draft, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(make_orga())
    url = reverse("admin:events_event_changelist")
    data = {"action": "publish_events", "_selected_action": [draft.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert len(mailoutbox) == 2


def test_a_member_who_asks_later_gets_later_announcements_only(
    make_event, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    first = make_event(status=EventStatus.DRAFT)
    publish(first, django_capture_on_commit_callbacks)
    Profile.objects.filter(user=readers["nobody"]).update(notify_announcements=True)
    second = make_event(status=EventStatus.DRAFT)
    publish(second, django_capture_on_commit_callbacks)
    to_nora = [m for m in mailoutbox if m.to == ["nobody@example.org"]]
    assert len(to_nora) == 1 and second.title in to_nora[0].subject


def test_a_date_created_as_published_in_the_admin_is_announced(
    client, venue, readers, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(make_orga())
    start = timezone.localtime() + timedelta(days=5)
    day = start.strftime("%d.%m.%Y")
    data = {
        "title": "Gleich veröffentlicht",
        "slug": "",
        "starts_at_0": day,
        "starts_at_1": "19:00",
        "ends_at_0": day,
        "ends_at_1": "22:00",
        "venue": venue.pk,
        "capacity": "20",
        "status": EventStatus.PUBLISHED,
        "rsvps-TOTAL_FORMS": "0",
        "rsvps-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "ben@example.org",
    ]
