"""Changing one's answer, one's profile and one's comments is limited too: each is
a write that ends the cached pages, so nobody can keep the site uncached in a loop.
What was typed is never lost to the limit."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from events.models import RSVP
from tests.events.recap_support import make_recap, past_event

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}


def test_changing_ones_answer_in_a_loop_is_stopped(
    client: Client, member, make_event
) -> None:
    event = make_event()
    client.force_login(member)
    url = reverse("events:rsvp", args=[event.slug])
    answers = ["going", "not_going"] * 10
    for answer in answers:
        assert client.post(url, {"answer": answer}).status_code == 302
    response = client.post(url, {"answer": "going"}, headers=EN)
    assert response.status_code == 429
    assert "changed your answer 20 times" in response.content.decode()
    assert RSVP.objects.get(event=event, member=member).status == "not_going"


def test_saving_ones_profile_in_a_loop_is_stopped_and_keeps_the_text(
    client: Client, member
) -> None:
    client.force_login(member)
    url = reverse("accounts:edit-profile")
    data = {
        "display_name": "Mia Muster",
        "handle": Profile.objects.get(user=member).handle,
        "visibility": "members",
        "show_in_attendee_lists": "on",
        "preferred_language": "de",
    }
    for n in range(20):
        response = client.post(url, {**data, "bio": f"Fassung {n}"})
        assert response.status_code == 302, response.content.decode()[-2000:]
    response = client.post(url, {**data, "bio": "Die letzte Fassung"}, headers=EN)
    assert response.status_code == 429
    html = response.content.decode()
    assert "saved your profile 20 times" in html
    assert "Die letzte Fassung" in html
    assert Profile.objects.get(user=member).bio == "Fassung 19"


def test_editing_comments_in_a_loop_is_stopped_and_keeps_the_text(
    client: Client, member, make_event
) -> None:
    recap = make_recap(past_event(make_event))
    mine = recap.add_comment(member, "Erste Fassung")
    client.force_login(member)
    url = reverse("events:comment-edit", args=[recap.slug, mine.pk])
    for n in range(10):
        assert client.post(url, {"body": f"Fassung {n}"}).status_code == 302
    response = client.post(url, {"body": "Noch eine Fassung"}, headers=EN)
    assert response.status_code == 429
    assert "Noch eine Fassung" in response.content.decode()
    mine.refresh_from_db()
    assert mine.body == "Fassung 9"
