"""What surprised an organizer in a month of running the Stammtisch, each fixed at
its cause: series rules that explain themselves, reminders that say "tonight",
German dates and slugs, honest seat figures, photo order, secret keys kept
secret, the speaker's mail, a comment kept when comments close, copying an
evening, the agenda list at 1280 px."""

from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from events.models import Event, EventStatus, RecapPhoto, RSVPStatus, Series
from events.models.stats import Dashboard
from events.tasks import _reminder_subject
from somehub.lib.dates import format_local
from somehub.lib.slugs import german_slugify
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga, make_superuser
from tests.events.recap_support import make_recap, past_event

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
DE = {"accept-language": "de"}


@pytest.fixture
def orga(db):
    return make_orga()


@pytest.fixture
def series(venue) -> Series:
    return Series.objects.create(
        name="#SoMe Stammtisch Hannover",
        slug="some",
        default_venue=venue,
        weekday=1,
        week_of_month=-1,
        start_time=time(19),
        end_time=time(22),
        default_capacity=20,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Series rules ------------------------------------------------------------------


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_creating_dates_says_which_exist_already(client, orga, series) -> None:
    series.generate_drafts(2)
    client.force_login(orga)
    data = {
        "action": "generate_drafts",
        "_selected_action": [series.pk],
        "confirm": "yes",
        "count": "3",
    }
    response = client.post(
        reverse("admin:events_series_changelist"), data, headers=DE, follow=True
    )
    (note,) = messages_of(response)
    assert note.startswith("1 Entwurf für „#SoMe Stammtisch Hannover“ angelegt.")
    assert "2 der nächsten 3 Termine gibt es schon" in note
    assert "29. Dez. 2026" in note and "26. Jan. 2027" in note
    assert "(Entwurf)" in note


@pytest.mark.frozen(datetime(2026, 11, 28, 12, tzinfo=BERLIN))
def test_a_new_rule_time_is_offered_for_existing_dates(
    client, orga, series, member, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    draft, published = series.generate_drafts(2)
    published.publish()
    answer(published, member)
    client.force_login(orga)
    url = reverse("admin:events_series_change", args=[series.pk])
    data = {
        "name": series.name,
        "slug": series.slug,
        "description": "",
        "default_venue": series.default_venue_id,
        "week_of_month": "-1",
        "weekday": "1",
        "start_time": "18:30",
        "end_time": "22:00",
        "reminder_time": "",
        "default_capacity": "20",
    }
    response = client.post(url, data, headers=DE)
    assert response["Location"] == reverse(
        "admin:events_series_apply_rule", args=[series.pk]
    )
    page = client.get(response["Location"], headers=DE).content.decode()
    assert "18:30" in page and "19:00" in page
    assert "1 Person" in page and "mail-preview" in page
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            response["Location"],
            {"event": [draft.pk, published.pk]},
            headers=DE,
            follow=True,
        )
    assert (
        "2 Termine auf die Zeit der Regel verschoben; 1 E-Mails"
        in (messages_of(done)[0])
    )
    for event in (draft, published):
        event.refresh_from_db()
        assert timezone.localtime(event.starts_at).time() == time(18, 30)
    assert [m.to[0] for m in mailoutbox] == [member.email]
    assert "19:00" in mailoutbox[0].body  # the old time too


# Reminders -------------------------------------------------------------------------


@pytest.mark.frozen(datetime(2027, 3, 10, 18, 17, tzinfo=BERLIN))
def test_the_reminder_says_tonight_tomorrow_or_the_date(make_event) -> None:
    tonight = make_event(starts_at=datetime(2027, 3, 10, 19, tzinfo=BERLIN))
    tomorrow = make_event(starts_at=datetime(2027, 3, 11, 19, tzinfo=BERLIN))
    later = make_event(starts_at=datetime(2027, 3, 12, 9, tzinfo=BERLIN))
    with translation.override("de"):
        assert _reminder_subject(tonight).startswith("Heute Abend:")
        assert _reminder_subject(tomorrow).startswith("Morgen:")
        assert _reminder_subject(later).startswith("Erinnerung:")


@pytest.mark.frozen(datetime(2027, 3, 10, 18, 17, tzinfo=BERLIN))
def test_a_reminder_for_tonight_does_not_say_tomorrow(
    make_event, member, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    Profile.objects.filter(user=member).update(
        preferred_language="de", notify_reminders=True
    )
    event = make_event(starts_at=datetime(2027, 3, 10, 19, tzinfo=BERLIN))
    answer(event, member)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=StringIO())
    (mail,) = mailoutbox
    assert "Heute Abend: " in mail.subject
    assert "Morgen" not in mail.subject


def test_a_fixed_reminder_time_waits_for_that_time_on_the_day(
    make_event, member, series, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    series.reminder_time = time(10)
    series.save()
    Profile.objects.filter(user=member).update(notify_reminders=True)
    start = datetime(2027, 3, 10, 19, tzinfo=BERLIN)
    event = make_event(starts_at=start, series=series)
    answer(event, member)
    from events.models import RSVP

    for moment, due in [
        (datetime(2027, 3, 9, 20, tzinfo=BERLIN), False),  # within a day, too early
        (datetime(2027, 3, 10, 9, 59, tzinfo=BERLIN), False),
        (datetime(2027, 3, 10, 10, 0, tzinfo=BERLIN), True),
        (datetime(2027, 3, 10, 18, 0, tzinfo=BERLIN), True),
    ]:
        assert RSVP.objects.due_for_reminder(moment).exists() is due, moment
    # The evening's own time wins over the series'.
    event.reminder_time = time(17)
    event.save()
    assert not RSVP.objects.due_for_reminder(
        datetime(2027, 3, 10, 10, 0, tzinfo=BERLIN)
    ).exists()


# German dates and slugs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime(2027, 5, 25, 19, tzinfo=BERLIN), "Di., 25. Mai 2027"),
        (datetime(2027, 3, 2, 19, tzinfo=BERLIN), "Di., 2. März 2027"),
        (datetime(2027, 1, 26, 19, tzinfo=BERLIN), "Di., 26. Jan. 2027"),
    ],
)
def test_german_dates_have_no_doubled_dots(day, expected) -> None:
    with translation.override("de"):
        assert format_local(day, "medium") == expected
        assert ".." not in format_local(day, "medium")


def test_slugs_keep_umlauts_readable(make_event) -> None:
    assert german_slugify("Gespräche über Öffentlichkeit & Straße") == (
        "gespraeche-ueber-oeffentlichkeit-strasse"
    )
    event = make_event(
        title="Gespräche", starts_at=datetime(2027, 5, 25, 19, tzinfo=BERLIN)
    )
    assert event.slug == "2027-05-25-gespraeche"


def test_the_series_name_is_not_twice_in_the_page_title(client, make_event, settings):
    event = make_event(title=settings.SITE_NAME)
    html = client.get(event.get_absolute_url()).content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert title.count(settings.SITE_NAME) == 1


# Honest figures, photo order ------------------------------------------------------


def test_walk_ins_do_not_make_the_dashboard_say_150_percent(client, orga, make_event):
    event = make_event(capacity=4, starts_at=timezone.now() + timedelta(hours=1))
    for n in range(6):
        answer(event, make_user(f"w{n}@example.org", name=f"W {n}"))
    (shown,) = Dashboard.build().upcoming
    assert shown.fill_rate == 100 and shown.over_capacity == 2
    client.force_login(orga)
    html = client.get(reverse("events:orga-dashboard"), headers=DE).content.decode()
    assert "150" not in html
    assert "Alle 4 Plätze belegt, dazu 2 an der Tür eingelassen" in html


def test_uploaded_photos_go_after_the_others(client, orga, make_event) -> None:
    from tests.events.recap_support import jpeg_upload

    recap = make_recap(past_event(make_event))
    client.force_login(orga)
    url = reverse("admin:events_recap_change", args=[recap.pk])
    data = {
        "event": recap.event_id,
        "title": recap.title,
        "slug": recap.slug,
        "lead": recap.lead,
        "body": recap.body,
        "byline": "",
        "status": recap.status,
        "published_at_0": timezone.localtime(recap.published_at).strftime("%d.%m.%Y"),
        "published_at_1": timezone.localtime(recap.published_at).strftime("%H:%M"),
        "comments_open": "on",
        "photos-TOTAL_FORMS": "2",
        "photos-INITIAL_FORMS": "0",
        "photos-0-image": jpeg_upload((400, 300), name="a.jpg"),
        "photos-0-alt_text": "Erstes",
        "photos-0-position": "0",
        "photos-1-image": jpeg_upload((400, 300), name="b.jpg"),
        "photos-1-alt_text": "Zweites",
        "photos-1-position": "0",
        "_continue": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    positions = list(
        RecapPhoto.objects.order_by("pk").values_list("position", flat=True)
    )
    assert positions == [0, 1]


# Secrets, help texts -----------------------------------------------------------------


def test_organizers_never_see_members_calendar_keys(client, orga, member) -> None:
    profile = member.profile
    profile.calendar_token = "geheimer-schluessel-1234567890"
    profile.save()
    client.force_login(orga)
    for url in [
        reverse("admin:accounts_profile_change", args=[profile.pk]),
        reverse("admin:accounts_user_change", args=[member.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "geheimer-schluessel" not in html, url
    root = make_superuser()
    client.force_login(root)
    html = client.get(reverse("admin:accounts_user_change", args=[member.pk])).content
    assert b"geheimer-schluessel" not in html


def test_the_handle_help_text_shows_an_example_address(client, orga, member) -> None:
    client.force_login(orga)
    url = reverse("admin:accounts_profile_change", args=[member.profile.pk])
    html = client.get(url, headers=DE).content.decode()
    assert "/members//" not in html
    assert "/members/dein-kuerzel/" in html


# The speaker's mail ----------------------------------------------------------------


def test_the_speakers_scheduled_mail_names_the_evening_and_links_it(
    make_event, member, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from impulses.models import Proposal

    event = make_event(title="Frühlings-Stammtisch")
    proposal = Proposal.objects.create(proposer=member, title="Reels", abstract="x")
    proposal.accept()
    with django_capture_on_commit_callbacks(execute=True):
        proposal.schedule(event, event.starts_at + timedelta(minutes=30))
    mail = mailoutbox[-1]
    assert "Frühlings-Stammtisch" in mail.body
    assert event.get_absolute_url() in mail.body
    assert event.venue.name in mail.body


# A comment kept --------------------------------------------------------------------


def test_a_comment_typed_while_comments_closed_is_shown_again(
    client, make_event, member
) -> None:
    recap = make_recap(past_event(make_event))
    recap.close_comments()
    client.force_login(member)
    url = reverse("events:comment-create", args=[recap.slug])
    response = client.post(url, {"body": "Mein langer Gedanke zum Abend"}, headers=DE)
    html = response.content.decode()
    assert "Mein langer Gedanke zum Abend" in html
    assert "Dein Text wurde nicht veröffentlicht" in html
    assert "<html" in html  # the whole page, not a bare error


# Copying an evening, the agenda list ------------------------------------------------


def test_copying_an_evening_makes_a_new_draft(client, orga, make_event, member) -> None:
    event = make_event(title="Sommerfest", motto="Grillen", capacity=30)
    answer(event, member)
    client.force_login(orga)
    data = {"action": "copy_events", "_selected_action": [event.pk]}
    response = client.post(
        reverse("admin:events_event_changelist"), data, headers=DE, follow=True
    )
    copy = Event.objects.exclude(pk=event.pk).get()
    assert copy.status == EventStatus.DRAFT
    assert (copy.title, copy.motto, copy.capacity) == ("Sommerfest", "Grillen", 30)
    assert not copy.rsvps.exists()
    assert copy.slug != event.slug
    assert "Als neuer Entwurf kopiert" in messages_of(response)[0]


def test_the_agenda_list_takes_a_short_time(client, orga, make_event) -> None:
    from impulses.models import AgendaItem

    event = make_event(starts_at=datetime(2027, 5, 25, 19, tzinfo=BERLIN))
    item = AgendaItem.objects.create(
        event=event, title="Reels", starts_at=event.starts_at, length=10, order=1
    )
    client.force_login(make_superuser())
    url = reverse("admin:impulses_agendaitem_changelist")
    html = client.get(url, headers=DE).content.decode()
    assert "25.05.2027 19:00" in html
    assert "form-0-starts_at_1" not in html  # no second (time) field per row
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": item.pk,
        "form-0-order": "1",
        "form-0-starts_at": "19:30",
        "_save": "Sichern",
    }
    response = client.post(url, data, headers=DE)
    assert response.status_code == 302
    item.refresh_from_db()
    assert timezone.localtime(item.starts_at) == datetime(
        2027, 5, 25, 19, 30, tzinfo=BERLIN
    )
    data["form-0-starts_at"] = "halb acht"
    response = client.post(url, data, headers=DE)
    assert response.status_code == 200
    assert "Gib eine Uhrzeit wie 19:30 ein" in response.content.decode()


def test_waiting_people_are_on_the_to_do_list_with_the_waiting_page(
    client, orga, make_event, member
) -> None:
    event = make_event(capacity=1)
    answer(event, make_user("g@example.org", name="Gerda"))
    answer(event, member, RSVPStatus.WAITING, waiting_since=timezone.now())
    client.force_login(orga)
    html = client.get(reverse("events:orga-dashboard"), headers=DE).content.decode()
    assert "1 auf der Warteliste, 0 frei" in html
