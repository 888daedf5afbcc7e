"""The admin made for running a Stammtisch: the event list, its actions (publish,
cancel with a reason, next date, attendee CSV) and the series' drafts."""

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from accounts.models import Field, Profile
from events.models import (
    Event,
    EventStatus,
    Recap,
    RSVPStatus,
    Series,
    Weekday,
    WeekOfMonth,
)
from tests.conftest import make_user
from tests.events.orga_support import answer, count_queries, make_orga, members

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
CHANGELIST = "admin:events_event_changelist"


@pytest.fixture
def orga(db):
    return make_orga()


@pytest.fixture
def series(venue) -> Series:
    return Series.objects.create(
        name="#SoMe Stammtisch Hannover",
        slug="some",
        default_venue=venue,
        weekday=Weekday.TUESDAY,
        week_of_month=WeekOfMonth.LAST,
        start_time=time(19),
        end_time=time(22),
        default_capacity=20,
    )


@pytest.fixture
def full_event(make_event, series):
    event = make_event(title="Südstadt-Abend", series=series, capacity=2)
    anna = make_user("anna@example.org", name="Anna Ärger")
    bjoern = make_user("bjoern@example.org", name="Björn Weiß")
    wanda = make_user("wanda@example.org", name="=Wanda")
    nina = make_user("nina@example.org", name="Nina Nein")
    Profile.objects.filter(user=anna).update(field=Field.TAX_ADVICE)
    answer(event, anna, checked_in_at=datetime(2026, 12, 29, 19, 5, tzinfo=BERLIN))
    answer(event, bjoern)
    answer(event, wanda, RSVPStatus.WAITING, waiting_since=timezone.now())
    answer(event, nina, RSVPStatus.NOT_GOING)
    return event


def action(client, name: str, events: list[Event], **extra):
    data = {"action": name, "_selected_action": [e.pk for e in events], **extra}
    return client.post(reverse(CHANGELIST), data)


# The list ---------------------------------------------------------------------------


def test_event_list_shows_date_status_seats_waiting_and_recap(
    client, orga, full_event
) -> None:
    Recap.objects.create(event=full_event, title="So war's", slug="so-wars")
    client.force_login(orga)
    response = client.get(reverse(CHANGELIST), headers={"accept-language": "en"})
    html = response.content.decode()
    row = response.context["cl"].result_list.get(pk=full_event.pk)
    assert (row.going_count, row.waiting_count, row.has_recap_flag) == (2, 1, True)
    assert "2 / 2" in html
    assert 'alt="True"' in html  # the recap column's yes icon
    for column in ["going / places", "waiting", "recap", "date"]:
        assert column in html.lower()


def test_event_list_filters_and_search(client, orga, make_event, series) -> None:
    past = make_event(title="Vergangen", starts_at=timezone.now() - timedelta(days=40))
    coming = make_event(title="Kommend", series=series)
    draft = make_event(title="Entwurf", status=EventStatus.DRAFT)
    client.force_login(orga)

    def titles(query: str) -> set[str]:
        response = client.get(reverse(CHANGELIST) + query)
        return {e.title for e in response.context["cl"].result_list}

    assert titles("?when=past") == {past.title}
    assert titles("?when=upcoming") == {coming.title, draft.title}
    assert titles("?status__exact=draft") == {draft.title}
    assert titles(f"?series__id__exact={series.pk}") == {coming.title}
    assert titles("?q=kommend") == {coming.title}
    assert titles("?q=La+Sall") == {past.title, coming.title, draft.title}


def test_event_list_query_count_does_not_grow(client, orga, make_event, series) -> None:
    def fill(count: int, prefix: str) -> None:
        people = members(3, prefix=prefix)
        for n in range(count):
            event = make_event(series=series if n % 2 else None)
            for person in people:
                answer(event, person)
            if n % 3 == 0:
                Recap.objects.create(
                    event=event, title=f"R {prefix}{n}", slug=f"r-{prefix}{n}"
                )

    fill(3, "a")
    client.force_login(orga)
    client.get(reverse(CHANGELIST))
    few = count_queries(lambda: client.get(reverse(CHANGELIST)))
    fill(40, "b")
    many = count_queries(lambda: client.get(reverse(CHANGELIST)))
    assert few == many


def test_event_page_lists_rsvps_read_only_without_a_query_per_row(
    client, orga, make_event
) -> None:
    small, big = make_event(), make_event()
    for n, (event, count) in enumerate([(small, 2), (big, 25)]):
        for person in members(count, prefix=f"i{n}x"):
            answer(event, person)
    client.force_login(orga)
    url = lambda e: reverse("admin:events_event_change", args=[e.pk])  # noqa: E731
    client.get(url(small))
    few = count_queries(lambda: client.get(url(small)))
    many = count_queries(lambda: client.get(url(big)))
    assert few == many
    html = client.get(url(big)).content.decode()
    assert "Mitglied i1x24" in html
    assert 'name="rsvps-0-status"' not in html  # seats change by the rules only


def test_event_page_links_to_check_in_message_and_csv(client, orga, full_event) -> None:
    client.force_login(orga)
    html = client.get(
        reverse("admin:events_event_change", args=[full_event.pk])
    ).content
    for name in ["events:checkin", "events:orga-message", "events:orga-attendees-csv"]:
        assert reverse(name, args=[full_event.slug]).encode() in html


# Actions ------------------------------------------------------------------------------


def test_publish_action_publishes_drafts_and_logs_it(client, orga, make_event) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    client.force_login(orga)
    response = action(client, "publish_events", [draft])
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == EventStatus.PUBLISHED and draft.published_at is not None
    entry = LogEntry.objects.get(object_id=str(draft.pk))
    assert entry.user == orga and entry.action_flag == CHANGE
    assert "Status" in entry.get_change_message()


def test_saving_a_published_event_in_the_form_sets_published_at(
    client, orga, venue
) -> None:
    client.force_login(orga)
    start = timezone.localtime() + timedelta(days=5)
    data = {
        "title": "Aus dem Formular",
        "slug": "",
        "starts_at_0": start.strftime("%d.%m.%Y"),
        "starts_at_1": "19:00",
        "ends_at_0": start.strftime("%d.%m.%Y"),
        "ends_at_1": "22:00",
        "venue": venue.pk,
        "capacity": "20",
        "status": EventStatus.PUBLISHED,
        "rsvps-TOTAL_FORMS": "0",
        "rsvps-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(title="Aus dem Formular")
    assert event.published_at is not None
    assert LogEntry.objects.get(object_id=str(event.pk)).action_flag == ADDITION


def test_cancel_asks_for_a_reason_first(client, orga, full_event, mailoutbox) -> None:
    client.force_login(orga)
    response = action(client, "cancel_events", [full_event])
    assert response.status_code == 200
    assert "admin/events/event/cancel_confirmation.html" in [
        t.name for t in response.templates
    ]
    assert response.context["notified"] == 3  # two going, one waiting
    html = response.content.decode()
    assert 'name="reason"' in html and 'value="cancel_events"' in html
    full_event.refresh_from_db()
    assert full_event.status == EventStatus.PUBLISHED and not mailoutbox


def test_cancel_without_a_reason_changes_nothing(
    client, orga, full_event, mailoutbox
) -> None:
    client.force_login(orga)
    response = action(client, "cancel_events", [full_event], confirm="yes", reason=" ")
    assert response.status_code == 200 and response.context["form"].errors
    full_event.refresh_from_db()
    assert full_event.status == EventStatus.PUBLISHED and not mailoutbox


def test_cancel_with_reason_emails_everyone_going_or_waiting(
    client, orga, full_event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    with django_capture_on_commit_callbacks(execute=True):
        response = action(
            client,
            "cancel_events",
            [full_event],
            confirm="yes",
            reason="Die Kneipe hat einen Wasserschaden.",
        )
    assert response.status_code == 302
    full_event.refresh_from_db()
    assert full_event.status == EventStatus.CANCELLED
    assert full_event.cancellation_reason == "Die Kneipe hat einen Wasserschaden."
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@example.org",
        "bjoern@example.org",
        "wanda@example.org",
    ]
    assert all("Wasserschaden" in m.body for m in mailoutbox)
    entry = LogEntry.objects.get(object_id=str(full_event.pk))
    assert entry.user == orga and entry.action_flag == CHANGE


def test_cancel_from_the_event_page(
    client, orga, full_event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(orga)
    url = reverse("admin:events_event_change", args=[full_event.pk])
    ask = client.post(
        url, {"CHANGE_FORM-action": "cancel_events", "_selected_action": full_event.pk}
    )
    assert ask.status_code == 200
    assert 'name="CHANGE_FORM-action" value="cancel_events"' in ask.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {
                "CHANGE_FORM-action": "cancel_events",
                "_selected_action": full_event.pk,
                "confirm": "yes",
                "reason": "Krank.",
            },
        )
    assert done.status_code == 302
    full_event.refresh_from_db()
    assert full_event.is_cancelled and len(mailoutbox) == 3


def test_cancelling_twice_sends_nothing_more(
    client, orga, full_event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    full_event.cancel("Erstes Mal")
    mailoutbox.clear()
    client.force_login(orga)
    with django_capture_on_commit_callbacks(execute=True):
        action(client, "cancel_events", [full_event], confirm="yes", reason="Nochmal")
    full_event.refresh_from_db()
    assert full_event.cancellation_reason == "Erstes Mal" and not mailoutbox


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_create_next_date_of_the_series(client, orga, make_event, series) -> None:
    last = make_event(series=series, starts_at=datetime(2027, 1, 26, 19, tzinfo=BERLIN))
    loose = make_event()
    client.force_login(orga)
    response = action(client, "create_next_dates", [last, loose])
    assert response.status_code == 302
    new = Event.objects.get(series=series, status=EventStatus.DRAFT)
    assert new.starts_at == datetime(2027, 2, 23, 19, tzinfo=BERLIN)
    assert new.capacity == 20 and new.venue == series.default_venue
    assert LogEntry.objects.get(object_id=str(new.pk)).action_flag == ADDITION
    assert Event.objects.count() == 3  # the date without a series was skipped


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_series_action_generates_drafts_after_asking_how_many(
    client, orga, series
) -> None:
    client.force_login(orga)
    url = reverse("admin:events_series_changelist")
    data = {"action": "generate_drafts", "_selected_action": [series.pk]}
    ask = client.post(url, data)
    assert ask.status_code == 200 and 'name="count"' in ask.content.decode()
    for bad in ["0", "13", "drei"]:
        again = client.post(url, {**data, "confirm": "yes", "count": bad})
        assert again.status_code == 200 and not Event.objects.exists()
    client.post(url, {**data, "confirm": "yes", "count": "4"})
    client.post(url, {**data, "confirm": "yes", "count": "4"})  # skips what exists
    dates = [
        e.starts_at.astimezone(BERLIN).date().isoformat() for e in Event.objects.all()
    ]
    assert dates == ["2026-12-29", "2027-01-26", "2027-02-23", "2027-03-30"]


def test_series_page_explains_the_rule_and_shows_the_next_dates(
    client, orga, series
) -> None:
    client.force_login(orga)
    html = client.get(
        reverse("admin:events_series_changelist"), headers={"accept-language": "en"}
    ).content.decode()
    assert "every last Tuesday of the month, 7 p.m.\N{EN DASH}10 p.m." in html
    page = client.get(reverse("admin:events_series_change", args=[series.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("<li>") >= 5


# The attendee list as CSV ------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(
        csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    )


def test_csv_action_exports_going_and_waiting_with_umlauts(
    client, orga, full_event
) -> None:
    client.force_login(orga)
    response = action(client, "export_attendees", [full_event])
    assert response["Content-Disposition"] == (
        f'attachment; filename="attendees-{full_event.slug}.csv"'
    )
    rows = read_csv(response)
    assert len(rows) == 4  # header, two going, one waiting; not the one who said no
    header, *people = rows
    assert len(header) == 8
    assert header[6:] == ["Angemeldet am", "Platz auf der Warteliste"]
    by_mail = {row[1]: row for row in people}
    # When each answered, and the place in line of those waiting.
    assert all(row[6] for row in people)
    assert by_mail["wanda@example.org"][7] == "1"
    assert by_mail["anna@example.org"][7] == ""
    anna = by_mail["anna@example.org"]
    assert (anna[0], anna[1], anna[4]) == (
        "Anna Ärger",
        "anna@example.org",
        "2026-12-29 19:05",
    )
    assert anna[2] and anna[3]  # field and status, in the organizer's language
    assert by_mail["bjoern@example.org"][0] == "Björn Weiß"
    assert by_mail["bjoern@example.org"][4] == ""
    # A name that looks like a formula is defused for Excel.
    assert by_mail["wanda@example.org"][0] == "'=Wanda"
    assert "nina@example.org" not in by_mail
    assert LogEntry.objects.filter(object_id=str(full_event.pk), user=orga).exists()


def test_csv_page_in_english(client, orga, full_event) -> None:
    client.force_login(orga)
    url = reverse("events:orga-attendees-csv", args=[full_event.slug])
    rows = read_csv(client.get(url, headers={"accept-language": "en"}))
    assert rows[0] == [
        "Name",
        "E-mail",
        "Field of work",
        "Status",
        "Checked in",
        "Event",
        "Answered at",
        "Place on the waiting list",
    ]
    anna = next(r for r in rows if r[1] == "anna@example.org")
    assert anna[:5] == [
        "Anna Ärger",
        "anna@example.org",
        "Tax advice",
        "Going",
        "2026-12-29 19:05",
    ]
    wanda = next(r for r in rows if r[1] == "wanda@example.org")
    assert wanda[3] == "On the waiting list"


def test_csv_of_several_events_names_each_row_s_event(
    client, orga, full_event, make_event
) -> None:
    other = make_event(title="Zweiter Abend")
    answer(other, make_user("zora@example.org", name="Zora"))
    client.force_login(orga)
    rows = read_csv(action(client, "export_attendees", [full_event, other]))
    assert {row[5].split(" (")[0] for row in rows[1:]} == {
        "Südstadt-Abend",
        "Zweiter Abend",
    }


def test_csv_needs_the_export_permission(client, full_event) -> None:
    staff = make_user("staff@example.org", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_event"))
    client.force_login(staff)
    response = action(client, "export_attendees", [full_event])
    # The action is not offered: the admin answers with its list, not a file.
    assert response.get("Content-Type", "").startswith("text/html")


def change_form_data(event: Event, **changes: str) -> dict[str, str]:
    """What the change form posts for the event as it is, with some changes."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    data = {
        "series": str(event.series_id or ""),
        "title": event.title,
        "slug": event.slug,
        "motto": event.motto,
        "description": event.description,
        "starts_at_0": start.strftime("%d.%m.%Y"),
        "starts_at_1": start.strftime("%H:%M"),
        "ends_at_0": end.strftime("%d.%m.%Y"),
        "ends_at_1": end.strftime("%H:%M"),
        "venue": str(event.venue_id),
        "capacity": str(event.capacity or ""),
        "rsvp_opens_at_0": "",
        "rsvp_opens_at_1": "",
        "rsvp_closes_at_0": "",
        "rsvp_closes_at_1": "",
        "cover_image_alt": "",
        "rsvps-TOTAL_FORMS": "0",
        "rsvps-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_a_new_time_in_the_change_form_waits_for_the_confirmation_page(
    client, orga, full_event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    """A plain save never mails: the new time goes to the confirmation page, which
    calls the domain action (tests/events/test_orga_confirmations.py)."""
    client.force_login(orga)
    url = reverse("admin:events_event_change", args=[full_event.pk])
    data = change_form_data(full_event, starts_at_1="20:00", title="Später heute")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "/reschedule/?" in response["Location"]
    full_event.refresh_from_db()
    assert timezone.localtime(full_event.starts_at).hour == 19
    assert full_event.title == "Später heute"
    assert mailoutbox == []


def test_the_change_form_shows_the_status_but_changes_it_only_by_action(
    client, orga, full_event, mailoutbox
) -> None:
    client.force_login(orga)
    url = reverse("admin:events_event_change", args=[full_event.pk])
    response = client.post(url, change_form_data(full_event, status="cancelled"))
    assert response.status_code == 302
    full_event.refresh_from_db()
    assert full_event.status == EventStatus.PUBLISHED
    assert mailoutbox == []


def test_more_seats_in_the_change_form_ask_before_the_waiting_list_moves_up(
    client, orga, full_event, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    """New seats e-mail those who move up: the change form saves the rest and
    leads to a page that says who moves up, with the mail, before anything goes."""
    client.force_login(orga)
    url = reverse("admin:events_event_change", args=[full_event.pk])
    data = change_form_data(full_event, capacity="3", title="Mehr Platz")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    assert "/capacity/?" in response["Location"]
    full_event.refresh_from_db()
    assert full_event.title == "Mehr Platz" and full_event.capacity == 2
    assert full_event.rsvps.get(member__email="wanda@example.org").is_waiting
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(response["Location"], headers={"accept-language": "de"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "rückt von der Warteliste nach" in html and "Wanda" in html
    assert 'class="mail-preview"' in html
    assert mailoutbox == []  # the preview was a trial, undone
    assert full_event.rsvps.get(member__email="wanda@example.org").is_waiting

    confirm = reverse("admin:events_event_capacity", args=[full_event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(confirm, {"capacity": "3", "confirm": "1"})
    assert done.status_code == 302
    full_event.refresh_from_db()
    assert full_event.capacity == 3
    assert full_event.rsvps.get(member__email="wanda@example.org").is_going
    assert [m.to[0] for m in mailoutbox] == ["wanda@example.org"]


def test_the_places_page_refuses_what_is_not_a_number(client, orga, full_event) -> None:
    client.force_login(orga)
    url = reverse("admin:events_event_capacity", args=[full_event.pk])
    assert client.get(url + "?capacity=drei").status_code == 400
    assert client.post(url, {"capacity": "-1", "confirm": "1"}).status_code == 400
    full_event.refresh_from_db()
    assert full_event.capacity == 2
