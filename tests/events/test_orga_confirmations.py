"""Status changes that e-mail people ask first: a new time or place, a
cancellation and taking it back each show how many people get which mail (with a
preview) and send only when confirmed; a plain save never mails."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from events.models import Event, EventStatus, MailKind, RSVPStatus, Venue
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga
from tests.events.test_orga_admin import action, change_form_data

pytestmark = pytest.mark.django_db
DE = {"accept-language": "de"}


@pytest.fixture
def orga(db):
    return make_orga()


@pytest.fixture
def evening(make_event):
    event = make_event(title="Südstadt-Abend", capacity=2)
    answer(event, make_user("anna@example.org", name="Anna Ärger"))
    answer(event, make_user("bjoern@example.org", name="Björn Weiß"))
    answer(
        event,
        make_user("wanda@example.org", name="Wanda Warte"),
        RSVPStatus.WAITING,
        waiting_since=timezone.now(),
    )
    answer(event, make_user("nina@example.org", name="Nina Nein"), "not_going")
    return event


def reschedule_url(event: Event) -> str:
    return reverse("admin:events_event_reschedule", args=[event.pk])


def test_a_new_time_in_the_change_form_asks_before_it_mails(
    client, orga, evening, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    url = reverse("admin:events_event_change", args=[evening.pk])
    data = change_form_data(evening, starts_at_1="20:00", title="Später heute")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, headers=DE)
    assert response.status_code == 302
    assert response["Location"].startswith(reschedule_url(evening) + "?")
    evening.refresh_from_db()
    # The other edit is saved, the time waits for the confirmation.
    assert evening.title == "Später heute"
    assert timezone.localtime(evening.starts_at).hour == 19
    assert mailoutbox == []

    page = client.get(response["Location"], headers=DE)
    html = page.content.decode()
    assert "3 Personen" in html  # two going, one waiting; not the one who said no
    assert "Geändert:" in html  # the subject of the mail
    assert "20:00" in html and "19:00" in html  # new and old time in the mail
    assert mailoutbox == []


def test_confirming_the_new_time_sends_exactly_one_mail_each(
    client, orga, evening, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    start = timezone.localtime(evening.starts_at)
    end = timezone.localtime(evening.ends_at)
    data = {
        "starts_at_0": start.strftime("%d.%m.%Y"),
        "starts_at_1": "20:00",
        "ends_at_0": end.strftime("%d.%m.%Y"),
        "ends_at_1": end.strftime("%H:%M"),
        "venue": evening.venue_id,
        "confirm": "1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reschedule_url(evening), data, headers=DE)
        # A second confirm (Back, submit again) changes nothing and mails nobody.
        again = client.post(reschedule_url(evening), data, headers=DE)
    assert response.status_code == 302 and again.status_code == 302
    evening.refresh_from_db()
    assert timezone.localtime(evening.starts_at).hour == 20
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "bjoern@example.org",
        "wanda@example.org",
    ]
    body = mailoutbox[0].body
    assert "20:00" in body and "19:00" in body  # the old time too
    entry = LogEntry.objects.get(object_id=str(evening.pk))
    assert "geändert" in entry.get_change_message() or entry.change_message


def test_a_draft_or_an_evening_nobody_goes_to_moves_without_asking(
    client, orga, make_event, mailoutbox
) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    client.force_login(orga)
    url = reverse("admin:events_event_change", args=[draft.pk])
    response = client.post(url, change_form_data(draft, starts_at_1="20:00"))
    assert response.status_code == 302
    assert "reschedule" not in response["Location"]
    draft.refresh_from_db()
    assert timezone.localtime(draft.starts_at).hour == 20


def test_the_reschedule_page_rejects_bad_input_without_mailing(
    client, orga, evening, mailoutbox
) -> None:
    client.force_login(orga)
    data = {
        "starts_at_0": "31.02.2027",
        "starts_at_1": "25:00",
        "ends_at_0": "",
        "ends_at_1": "",
        "venue": "999999",
        "confirm": "1",
    }
    response = client.post(reschedule_url(evening), data, headers=DE)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert mailoutbox == []


def test_the_reschedule_page_is_for_the_orga_team_only(client, member, evening) -> None:
    assert client.get(reschedule_url(evening)).status_code == 302  # login
    member.is_staff = True
    member.save()
    client.force_login(member)
    assert client.get(reschedule_url(evening)).status_code == 403
    client.force_login(make_orga("o2@example.org"))
    assert (
        client.get(reverse("admin:events_event_reschedule", args=[999])).status_code
        == 404
    )


def test_a_new_venue_is_announced_with_the_old_one(
    client, orga, evening, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    other = Venue.objects.create(name="Café Kreuzberg", city="Hannover")
    client.force_login(orga)
    start = timezone.localtime(evening.starts_at)
    end = timezone.localtime(evening.ends_at)
    data = {
        "starts_at_0": start.strftime("%d.%m.%Y"),
        "starts_at_1": start.strftime("%H:%M"),
        "ends_at_0": end.strftime("%d.%m.%Y"),
        "ends_at_1": end.strftime("%H:%M"),
        "venue": other.pk,
    }
    page = client.post(reschedule_url(evening), data, headers=DE)
    assert "Café Kreuzberg" in page.content.decode()
    assert "La Sall" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reschedule_url(evening), {**data, "confirm": "1"})
    assert len(mailoutbox) == 3
    assert "La Sall" in mailoutbox[0].body and "Café Kreuzberg" in mailoutbox[0].body


def test_cancelling_shows_count_and_preview_then_mails_with_the_reason(
    client, orga, evening, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    page = action(client, "cancel_events", [evening])
    html = page.content.decode()
    assert page.status_code == 200
    assert "mail-preview" in html
    assert mailoutbox == []
    # Without a reason, nothing happens.
    page = action(client, "cancel_events", [evening], confirm="yes", reason="")
    assert page.status_code == 200 and mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        done = action(
            client,
            "cancel_events",
            [evening],
            confirm="yes",
            reason="Die Kneipe ist zu.",
        )
    assert done.status_code == 302
    evening.refresh_from_db()
    assert evening.is_cancelled
    assert len(mailoutbox) == 3
    assert "Die Kneipe ist zu." in mailoutbox[0].body


def test_reinstating_tells_those_still_going(
    client, orga, evening, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    evening.cancel("Krank")
    client.force_login(orga)
    page = action(client, "reinstate_events", [evening])
    html = page.content.decode()
    assert "3" in html and "mail-preview" in html
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        done = action(client, "reinstate_events", [evening], confirm="yes")
    assert done.status_code == 302
    evening.refresh_from_db()
    assert evening.status == EventStatus.PUBLISHED
    assert evening.cancellation_reason == ""
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "bjoern@example.org",
        "wanda@example.org",
    ]
    assert all(m.attachments for m in mailoutbox)  # the calendar entry is back


def test_reinstate_domain_action(
    make_event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    draft.cancel()
    assert draft.reinstate() is True
    assert draft.status == EventStatus.DRAFT  # never published: back to a draft
    assert draft.reinstate() is False
    past = make_event(
        starts_at=timezone.now() - timedelta(days=3), published_at=timezone.now()
    )
    past.cancel()
    with django_capture_on_commit_callbacks(execute=True):
        assert past.reinstate() is True
    assert mailoutbox == []
    assert MailKind.EVENT_REINSTATED
