"""Every moderation step of the Orga-Team lands in the admin log: who and when."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.events.recap_support import comment, make_recap, past_event

pytestmark = pytest.mark.django_db


def logged(obj) -> list[str]:
    return list(
        LogEntry.objects.filter(
            object_id=str(obj.pk),
            content_type=ContentType.objects.get_for_model(obj),
        )
        .order_by("pk")
        .values_list("change_message", flat=True)
    )


def test_hide_unhide_delete_and_closing_comments_are_recorded(
    client, organizer, member, make_event
):
    recap = make_recap(past_event(make_event))
    note = comment(recap, member)
    client.force_login(organizer)
    args = [recap.slug, note.pk]
    client.post(reverse("events:comment-hide", args=args))
    client.post(reverse("events:comment-unhide", args=args))
    client.post(reverse("events:recap-close-comments", args=[recap.slug]))
    client.post(reverse("events:recap-open-comments", args=[recap.slug]))
    client.post(reverse("events:comment-delete", args=args))
    assert logged(note) == ["Hid comment", "Showed comment again", "Deleted comment"]
    assert logged(recap) == ["Closed comments", "Opened comments"]
    assert set(LogEntry.objects.values_list("user__email", flat=True)) == {
        organizer.email
    }


def test_a_member_deleting_their_own_comment_is_not_moderation(
    client, member, make_event
):
    recap = make_recap(past_event(make_event))
    note = comment(recap, member)
    client.force_login(member)
    client.post(reverse("events:comment-delete", args=[recap.slug, note.pk]))
    assert not LogEntry.objects.exists()
