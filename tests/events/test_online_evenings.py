"""Online and hybrid evenings: their own places and waiting lists, a choice for
members, and an online link that only those with an online place ever see."""

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from events.models import RSVP, Event, MailKind, RSVPError, RSVPStatus
from events.models.rsvp import renew_calendar_token
from events.models.status import Attendance, AttendanceMode
from tests.conftest import make_user
from tests.events.orga_support import make_orga
from tests.events.test_rsvp_by_email import SAME_SITE, code_in, code_url
from tests.events.test_rsvp_concurrency import run_together
from tests.mail_support import addresses

pytestmark = pytest.mark.django_db

# Distinctive, so that a search through every response finds any leak.
LINK = "https://meet.example.org/geheim-raum-7f3kq9x2"
LINK_PART = "geheim-raum-7f3kq9x2"


@pytest.fixture
def hybrid(make_event) -> Event:
    return make_event(
        title="Hybrider Stammtisch",
        attendance_mode=AttendanceMode.HYBRID,
        online_url=LINK,
        capacity=2,
        online_capacity=2,
        starts_at=timezone.now() + timedelta(days=3),
    )


@pytest.fixture
def online_only(make_event) -> Event:
    return make_event(
        title="Online-Stammtisch",
        attendance_mode=AttendanceMode.ONLINE,
        online_url=LINK,
        capacity=None,
        online_capacity=1,
        starts_at=timezone.now() + timedelta(days=4),
    )


def people(count: int, prefix: str = "p") -> list:
    return [
        make_user(f"{prefix}{n}@example.org", name=f"P {prefix}{n}")
        for n in range(count)
    ]


# The rules ---------------------------------------------------------------------


def test_hybrid_evening_has_separate_places_and_waiting_lists(hybrid) -> None:
    a, b, c, d, e, f = people(6)
    assert hybrid.rsvp(a, Attendance.IN_PERSON).is_going
    assert hybrid.rsvp(b).is_going  # in person unless chosen otherwise
    in_person_waiting = hybrid.rsvp(c, Attendance.IN_PERSON)
    assert in_person_waiting.is_waiting
    # The room is full, online still has places.
    assert hybrid.rsvp(d, Attendance.ONLINE).is_going
    assert hybrid.rsvp(e, Attendance.ONLINE).is_going
    online_waiting = hybrid.rsvp(f, Attendance.ONLINE)
    assert online_waiting.is_waiting and online_waiting.is_online
    # Each waiting list counts from one.
    assert in_person_waiting.waiting_list_position() == 1
    assert online_waiting.waiting_list_position() == 1

    # An online place freed goes to the first waiting online, not in person.
    promoted = RSVP.objects.get(event=hybrid, member=d).cancel()
    assert [r.member for r in promoted] == [f]
    in_person_waiting.refresh_from_db()
    assert in_person_waiting.is_waiting
    # And a seat in the room to the first waiting in person.
    promoted = RSVP.objects.get(event=hybrid, member=a).cancel()
    assert [r.member for r in promoted] == [c]


def test_switching_takes_a_free_place_and_frees_the_old_one(hybrid) -> None:
    a, b, c = people(3)
    hybrid.rsvp(a, Attendance.IN_PERSON)
    hybrid.rsvp(b, Attendance.IN_PERSON)
    waiting = hybrid.rsvp(c, Attendance.IN_PERSON)
    assert waiting.is_waiting
    switched = hybrid.rsvp(a, Attendance.ONLINE)
    assert switched.is_going and switched.is_online
    waiting.refresh_from_db()
    assert waiting.is_going  # moved up into the seat a left
    assert RSVP.objects.filter(event=hybrid, member=a).count() == 1


def test_switching_to_a_full_side_changes_nothing(hybrid) -> None:
    a, b, c = people(3)
    hybrid.rsvp(a, Attendance.ONLINE)
    hybrid.rsvp(b, Attendance.ONLINE)
    mine = hybrid.rsvp(c, Attendance.IN_PERSON)
    with (
        translation.override("en"),
        pytest.raises(RSVPError, match="no free place online"),
    ):
        hybrid.rsvp(c, Attendance.ONLINE)
    mine.refresh_from_db()
    assert mine.is_going and not mine.is_online


def test_online_evening_counts_online_places_only(online_only) -> None:
    a, b = people(2)
    first = online_only.rsvp(a, Attendance.IN_PERSON)  # the evening decides
    assert first.is_going and first.is_online
    assert online_only.rsvp(b).is_waiting


def test_in_person_evening_ignores_a_wish_for_online(make_event) -> None:
    event = make_event(capacity=5)
    (a,) = people(1)
    assert event.rsvp(a, Attendance.ONLINE).attendance == Attendance.IN_PERSON


def test_online_or_hybrid_needs_a_link_and_no_stranded_answers(
    make_event, hybrid
) -> None:
    event = make_event()
    event.attendance_mode = AttendanceMode.HYBRID
    with pytest.raises(ValidationError) as caught:
        event.full_clean()
    assert "online_url" in caught.value.message_dict
    (a,) = people(1)
    hybrid.rsvp(a, Attendance.IN_PERSON)
    hybrid.attendance_mode = AttendanceMode.ONLINE
    with pytest.raises(ValidationError) as caught:
        hybrid.clean()
    assert "attendance_mode" in caught.value.message_dict


def test_online_capacity_cannot_drop_below_those_going_online(hybrid) -> None:
    a, b = people(2)
    hybrid.rsvp(a, Attendance.ONLINE)
    hybrid.rsvp(b, Attendance.ONLINE)
    with pytest.raises(ValidationError):
        hybrid.change_capacity(2, online_capacity=1)
    c = make_user("c@example.org")
    assert hybrid.rsvp(c, Attendance.ONLINE).is_waiting
    promoted = hybrid.change_capacity(2, online_capacity=3)
    assert [r.member for r in promoted] == [c]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres locks")
@pytest.mark.django_db(transaction=True)
def test_parallel_rsvps_fill_each_side_exactly(make_event) -> None:
    event = make_event(
        attendance_mode=AttendanceMode.HYBRID,
        online_url=LINK,
        capacity=4,
        online_capacity=3,
    )
    crowd = people(20, "crowd")

    def job(member, kind):
        return lambda: Event.objects.get(pk=event.pk).rsvp(member, kind)

    jobs = [
        job(member, Attendance.ONLINE if n % 2 else Attendance.IN_PERSON)
        for n, member in enumerate(crowd)
    ]
    # Some switch sides while the others answer.
    jobs += [job(member, Attendance.ONLINE) for member in crowd[:4:2]]
    errors = run_together(jobs)
    assert all(isinstance(e, RSVPError) for e in errors), errors
    going = event.rsvps.going()
    assert going.filter(attendance=Attendance.IN_PERSON).count() == 4
    assert going.filter(attendance=Attendance.ONLINE).count() == 3
    assert event.rsvps.count() == 20
    assert event.rsvps.filter(status=RSVPStatus.WAITING).count() == 13


# What members see ---------------------------------------------------------------


def page(client: Client, event: Event) -> str:
    return client.get(
        event.get_absolute_url(), headers={"accept-language": "en"}
    ).content.decode()


def test_visitor_sees_hybrid_evening_without_the_link(client, hybrid) -> None:
    html = page(client, hybrid)
    assert LINK_PART not in html
    assert "In person and online" in html
    assert "The link goes to everyone with an online place" in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = data["location"]
    assert place["@type"] == "Place" and virtual["@type"] == "VirtualLocation"
    assert LINK_PART not in json.dumps(data)


def test_online_evening_structured_data(client, online_only) -> None:
    data = online_only.structured_data()
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"]["@type"] == "VirtualLocation"
    assert LINK_PART not in json.dumps(data)


def test_member_chooses_online_and_sees_the_link(
    client, hybrid, django_capture_on_commit_callbacks
) -> None:
    (member,) = people(1)
    client.force_login(member)
    html = page(client, hybrid)
    assert "I'm coming in person" in html and "I'm joining online" in html
    assert LINK_PART not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:rsvp", args=[hybrid.slug]),
            {"answer": "going", "attendance": "online"},
            headers={"accept-language": "en"},
            follow=True,
        )
    html = response.content.decode()
    assert "in online! The link to the video call is here" in html
    assert "You're joining online" in html
    assert f'href="{LINK}"' in html
    rsvp = RSVP.objects.get(event=hybrid, member=member)
    assert rsvp.is_online and rsvp.is_going
    # The confirmation mail carries the link and an entry with it; no door code.
    (message,) = mail.outbox
    assert LINK in message.body
    assert LINK in message.alternatives[0][0]
    assert not [a for a in message.attachments if a.filename.endswith(".png")]
    (ics,) = [a for a in message.attachments if a.filename.endswith(".ics")]
    (entry,) = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(entry["conference"]) == LINK


def test_member_coming_in_person_never_sees_the_link(
    client, hybrid, django_capture_on_commit_callbacks
) -> None:
    (member,) = people(1)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("events:rsvp", args=[hybrid.slug]),
            {"answer": "going", "attendance": "in_person"},
        )
    assert LINK_PART not in page(client, hybrid)
    (message,) = mail.outbox
    assert LINK_PART not in message.body
    assert LINK_PART not in message.alternatives[0][0]
    for attachment in message.attachments:
        content = attachment.content
        assert LINK_PART.encode() not in (
            content if isinstance(content, bytes) else content.encode()
        )


def test_member_waiting_for_an_online_place_sees_no_link(client, hybrid) -> None:
    a, b, c = people(3)
    hybrid.rsvp(a, Attendance.ONLINE)
    hybrid.rsvp(b, Attendance.ONLINE)
    waiting = hybrid.rsvp(c, Attendance.ONLINE)
    assert waiting.is_waiting
    client.force_login(c)
    html = page(client, hybrid)
    assert "waiting list for online places" in html
    assert LINK_PART not in html
    assert waiting.online_url == ""


def test_reminder_and_promotion_carry_the_link_for_online_places_only(
    hybrid, django_capture_on_commit_callbacks
) -> None:
    a, b, c = people(3)
    with django_capture_on_commit_callbacks(execute=True):
        hybrid.rsvp(a, Attendance.ONLINE)
        hybrid.rsvp(b, Attendance.ONLINE)
        hybrid.rsvp(c, Attendance.ONLINE)  # waiting
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        RSVP.objects.get(event=hybrid, member=a).cancel()
    (promotion,) = mail.outbox
    assert promotion.to == ["p2@example.org"] and LINK in promotion.body
    mail.outbox.clear()
    in_person = make_user("room@example.org")
    hybrid.rsvp(in_person, Attendance.IN_PERSON)
    mail.outbox.clear()
    Profile.objects.update(notify_reminders=True)  # reminders are chosen
    with django_capture_on_commit_callbacks(execute=True):
        for rsvp in RSVP.objects.filter(event=hybrid).going():
            rsvp.notify(MailKind.REMINDER)
    by_address = {addresses(m)[0]: m for m in mail.outbox}
    assert LINK in by_address["p1@example.org"].body
    assert LINK_PART not in by_address["room@example.org"].body


def test_personal_calendar_has_the_link_only_where_the_member_is_online(
    client, hybrid, online_only, make_event
) -> None:
    (member,) = people(1)
    hybrid.rsvp(member, Attendance.IN_PERSON)
    online_only.rsvp(member)
    token = renew_calendar_token(member.profile)
    body = client.get(reverse("events:personal-feed", args=[token])).content
    entries = {
        str(e["summary"]).split(":")[0]: e
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }
    assert str(entries["Online-Stammtisch"]["conference"]) == LINK
    assert "conference" not in entries["Hybrider Stammtisch"]
    assert LINK_PART not in entries["Hybrider Stammtisch"].to_ical().decode()


# Nothing public carries the link ------------------------------------------------


def _same_site_links(html: str) -> list[str]:
    links = re.findall(r'href="(/[^"#]*)"', html)
    return [link for link in links if not link.startswith(("/static/", "/media/"))]


def test_no_public_page_feed_sitemap_or_calendar_contains_the_link(
    client, hybrid, online_only, make_event
) -> None:
    # Members with online places, who might warm a cache with their pages.
    (online_member,) = people(1, "online")
    hybrid.rsvp(online_member, Attendance.ONLINE)
    online_only.rsvp(online_member)
    member_client = Client()
    member_client.force_login(online_member)
    assert LINK in page(member_client, hybrid)

    start = [
        "/",
        reverse("events:list"),
        reverse("events:archive"),
        reverse("events:calendar-feed"),
        reverse("events:feed"),
        reverse("events:recap-list"),
        reverse("events:recap-feed"),
        reverse("sitemap"),
        reverse("robots"),
        hybrid.get_absolute_url(),
        online_only.get_absolute_url(),
        reverse("events:ics", args=[hybrid.slug]),
        reverse("events:ics", args=[online_only.slug]),
    ]
    seen: set[str] = set()
    queue = list(start)
    while queue and len(seen) < 150:
        url = queue.pop(0)
        path = urlsplit(url).path if url.startswith("http") else url
        if path in seen or path.startswith(("/admin", "/accounts/logout")):
            continue
        seen.add(path)
        for language in ("de", "en"):
            # Twice: rendered, then from the page cache.
            for _ in range(2):
                response = client.get(path, headers={"accept-language": language})
                if response.streaming:  # a static file (the icon, the manifest)
                    break
                body = response.content.decode(errors="replace")
                assert LINK_PART not in body, f"online link leaked on {path}"
                assert LINK_PART not in str(response.headers), path
        if response.streaming:
            continue
        if "html" in response.get("Content-Type", ""):
            queue += _same_site_links(body)
        elif "xml" in response.get("Content-Type", ""):
            queue += [
                urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", body)
            ]
    assert hybrid.get_absolute_url() in seen and reverse("sitemap") in seen
    assert len(seen) > 15
    # The member's page, after all this, still has it (nothing cached across).
    assert LINK in page(member_client, hybrid)


def test_admin_offers_the_fields(client, hybrid) -> None:
    orga = make_orga()
    client.force_login(orga)
    html = client.get(
        reverse("admin:events_event_change", args=[hybrid.pk])
    ).content.decode()
    for field in ("attendance_mode", "online_url", "online_capacity"):
        assert f'name="{field}"' in html


@pytest.mark.parametrize("choice", ["online", "in_person", "", "nonsense"])
def test_visitor_chooses_online_in_the_e_mail_step(
    hybrid, choice, django_capture_on_commit_callbacks
) -> None:
    visitor = Client(headers={"accept-language": "en"})
    html = page(visitor, hybrid)
    assert 'name="attendance" value="online"' in html
    response = visitor.post(
        reverse("events:rsvp-by-email", args=[hybrid.slug]),
        {"email": "neu@example.org", "name": "Neu", "attendance": choice},
        headers=SAME_SITE,
    )
    assert response.status_code == 302
    code = code_in(mail.outbox[-1])
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(code_url(hybrid), {"code": code})
    rsvp = RSVP.objects.get(event=hybrid, member__email="neu@example.org")
    assert rsvp.is_going
    expected = Attendance.ONLINE if choice == "online" else Attendance.IN_PERSON
    assert rsvp.attendance == expected
    assert (LINK in page(visitor, hybrid)) is (choice == "online")
