""" "Who was there": check-ins over RSVPs, the field mix, and each member's privacy."""

import pytest
from django.utils import translation

from accounts.models import Field, Visibility
from events.models import RSVPStatus
from tests.events.recap_support import attendee, make_recap, past_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(make_event):
    return past_event(make_event)


@pytest.fixture
def recap(event):
    return make_recap(event)


def names(recap, viewer) -> set[str]:
    return {p.name for p in recap.attendance().listed_for(viewer)}


def test_without_check_ins_those_going_were_there(event, recap) -> None:
    attendee(event, 1, name="Geht hin")
    attendee(event, 2, name="Wartet", status=RSVPStatus.WAITING)
    attendee(event, 3, name="Abgesagt", status=RSVPStatus.NOT_GOING)
    attendance = recap.attendance()
    assert not attendance.from_check_in
    assert attendance.total == 1
    assert names(recap, None) == {"Geht hin"}


def test_once_anyone_checked_in_only_the_checked_in_count(event, recap) -> None:
    attendee(event, 1, name="Eingecheckt", checked_in=True)
    attendee(event, 2, name="Nicht gekommen")
    attendee(event, 3, name="Spontan da", status=RSVPStatus.WAITING, checked_in=True)
    attendance = recap.attendance()
    assert attendance.from_check_in
    assert attendance.total == 2
    assert names(recap, None) == {"Eingecheckt", "Spontan da"}


def test_field_mix_counts_each_field_largest_first(event, recap) -> None:
    for n in range(3):
        attendee(event, n, field=Field.RECRUITING)
    for n in range(3, 5):
        attendee(event, n, field=Field.COACHING)
    attendee(event, 5, field=Field.TAX_ADVICE)
    attendee(event, 6, field="")
    attendance = recap.attendance()
    assert attendance.field_counts == [
        (Field.RECRUITING, 3),
        (Field.COACHING, 2),
        (Field.TAX_ADVICE, 1),
    ]
    with translation.override("en"):
        assert attendance.field_mix == [
            "Recruiting: 3 people",
            "Coaching: 2 people",
            "Tax advice: 1 person",
        ]


def test_field_mix_counts_members_who_are_not_listed(event, recap) -> None:
    # Numbers name nobody, so everyone who gave a field is counted.
    attendee(event, 1, field=Field.AGENCY, listed=False)
    attendee(event, 2, field=Field.AGENCY, visibility=Visibility.ORGANIZERS)
    assert recap.attendance().field_counts == [(Field.AGENCY, 2)]
    assert names(recap, None) == set()


@pytest.mark.parametrize(
    ("viewer_kind", "expected"),
    [
        ("anonymous", {"Öffentlich"}),
        ("member", {"Öffentlich", "Mitglieder"}),
        ("organizer", {"Öffentlich", "Mitglieder", "Orga"}),
    ],
)
def test_attendees_are_listed_as_their_visibility_allows(
    event, recap, member, organizer, viewer_kind, expected
) -> None:
    attendee(event, 1, name="Öffentlich", visibility=Visibility.PUBLIC)
    attendee(event, 2, name="Mitglieder", visibility=Visibility.MEMBERS)
    attendee(event, 3, name="Orga", visibility=Visibility.ORGANIZERS)
    attendee(event, 4, name="Nicht auf Listen", listed=False)
    viewer = {"anonymous": None, "member": member, "organizer": organizer}[viewer_kind]
    assert names(recap, viewer) == expected
    assert recap.attendance().total == 4


def test_a_member_sees_themselves_even_with_organizers_only_visibility(
    event, recap
) -> None:
    me = attendee(event, 1, name="Ich", visibility=Visibility.ORGANIZERS)
    assert names(recap, me.member) == {"Ich"}


def test_page_shows_totals_mix_and_unlisted_count(client, event, recap, member) -> None:
    attendee(event, 1, name="Anna Albers", field=Field.RECRUITING)
    attendee(event, 2, name="Ben Brandt", field=Field.RECRUITING, visibility="members")
    attendee(event, 3, name="Cora Conrad", field=Field.COACHING, listed=False)
    html = client.get(
        recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "3 people were there." in html
    assert "Counted from the RSVPs." in html
    assert "Recruiting: 2 people" in html and "Coaching: 1 person" in html
    assert "Anna Albers" in html
    assert "Ben Brandt" not in html and "Cora Conrad" not in html
    assert "And 2 more people who are not listed." in html
    client.force_login(member)
    html = client.get(
        recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Ben Brandt" in html
    assert "And 1 more person who is not listed." in html


def test_page_says_when_nobody_was_recorded(client, recap) -> None:
    html = client.get(
        recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "No attendance was recorded" in html


def test_page_uses_check_in_wording(client, event, recap) -> None:
    attendee(event, 1, checked_in=True)
    html = client.get(
        recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 person was there." in html
    assert "Counted at the door." in html
