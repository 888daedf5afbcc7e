"""The admin side of recaps: photo uploads and the comment moderation queue."""

import io
import os

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from events.models import Comment, CommentReport, Recap, RecapPhoto, RecapStatus
from somehub.lib.images import open_upload
from tests.events.recap_support import comment, jpeg_upload, make_recap, past_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


@pytest.fixture
def recap(make_event, organizer) -> Recap:
    return make_recap(past_event(make_event), author=organizer)


# Photos -----------------------------------------------------------------------


def test_stored_photo_is_upright_without_metadata_in_three_sizes(recap) -> None:
    # Orientation 6: the camera was turned; the stored picture must stand upright.
    upload = jpeg_upload((3000, 2000), exif_orientation=6, gps=True)
    photo = RecapPhoto(recap=recap, alt_text="Die Runde")
    photo.store(open_upload(upload))
    photo.save()
    with Image.open(photo.image.path) as original:
        assert original.size == (1707, 2560)
        assert not original.getexif()
        assert "exif" not in original.info
    with Image.open(photo.display.path) as display:
        assert display.size == (1067, 1600)
        assert not display.getexif()
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.size == (480, 480)
    assert photo.display_size == (1067, 1600)
    assert "photo" not in photo.image.name  # random names, not the upload's


def test_replacing_and_deleting_a_photo_removes_its_files(
    recap, django_capture_on_commit_callbacks
) -> None:
    photo = RecapPhoto(recap=recap, alt_text="Vorher")
    photo.store(open_upload(jpeg_upload((800, 600))))
    photo.save()
    old = [photo.image.path, photo.display.path, photo.thumbnail.path]
    with django_capture_on_commit_callbacks(execute=True):
        photo.store(open_upload(jpeg_upload((600, 800))))
        photo.save()
    assert not any(os.path.exists(p) for p in old)
    current = [photo.image.path, photo.display.path, photo.thumbnail.path]
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert not any(os.path.exists(p) for p in current)


def _admin_post_data(recap: Recap, **photo: object) -> dict[str, object]:
    data: dict[str, object] = {
        "event": recap.event_id,
        "title": recap.title,
        "slug": recap.slug,
        "lead": recap.lead,
        "body": recap.body,
        "author": recap.author_id or "",
        "status": recap.status,
        "published_at_0": timezone.localtime(recap.published_at).strftime("%Y-%m-%d"),
        "published_at_1": timezone.localtime(recap.published_at).strftime("%H:%M:%S"),
        "cover": "",
        "comments_open": "on",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
        "photos-0-position": "0",
    }
    data.update({f"photos-0-{k}": v for k, v in photo.items()})
    return data


def test_organizer_uploads_a_photo_in_the_recap_admin(client, recap, organizer) -> None:
    client.force_login(organizer)
    url = reverse("admin:events_recap_change", args=[recap.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, _admin_post_data(recap, image=jpeg_upload(gps=True), alt_text="Am Tisch")
    )
    assert response.status_code == 302, (
        response.context["errors"] if response.context else ""
    )
    photo = recap.photos.get()
    assert photo.alt_text == "Am Tisch"
    assert photo.display and photo.thumbnail
    assert photo.image.name.endswith(".webp")


def test_admin_refuses_a_photo_without_alt_text(client, recap, organizer) -> None:
    client.force_login(organizer)
    url = reverse("admin:events_recap_change", args=[recap.pk])
    response = client.post(
        url, _admin_post_data(recap, image=jpeg_upload(), alt_text="")
    )
    assert response.status_code == 200
    assert not recap.photos.exists()


def test_admin_refuses_a_file_that_is_not_a_photo(client, recap, organizer) -> None:
    client.force_login(organizer)
    url = reverse("admin:events_recap_change", args=[recap.pk])
    fake = SimpleUploadedFile(
        "cv.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg"
    )
    response = client.post(url, _admin_post_data(recap, image=fake, alt_text="PDF"))
    assert response.status_code == 200
    assert not recap.photos.exists()


def test_admin_refuses_a_truncated_jpeg(client, recap, organizer) -> None:
    client.force_login(organizer)
    data = jpeg_upload((400, 300)).read()
    broken = SimpleUploadedFile(
        "cut.jpg", data[: len(data) // 2], content_type="image/jpeg"
    )
    url = reverse("admin:events_recap_change", args=[recap.pk])
    response = client.post(
        url, _admin_post_data(recap, image=broken, alt_text="Kaputt")
    )
    assert response.status_code == 200
    assert not recap.photos.exists()


def test_new_recap_in_admin_gets_author_and_publish_date(
    client, make_event, organizer
) -> None:
    event = past_event(make_event)
    client.force_login(organizer)
    response = client.post(
        reverse("admin:events_recap_add"),
        {
            "event": event.pk,
            "title": "Neu",
            "slug": "neu",
            "lead": "",
            "body": "",
            "author": "",
            "status": RecapStatus.PUBLISHED,
            "published_at_0": "",
            "published_at_1": "",
            "cover": "",
            "comments_open": "on",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    recap = Recap.objects.get(slug="neu")
    assert recap.author == organizer
    assert recap.published_at is not None


# Moderation queue -------------------------------------------------------------


def test_moderation_queue_lists_newest_first_and_filters_reported(
    client, recap, member, stranger, organizer
) -> None:
    old = comment(recap, member, "Alter Kommentar")
    new = comment(recap, member, "Neuer Kommentar")
    reported = comment(recap, stranger, "Gemeldeter Kommentar")
    CommentReport.objects.create(comment=reported, reporter=member, reason="Spam")
    client.force_login(organizer)
    url = reverse("admin:events_comment_changelist")
    html = client.get(url).content.decode()
    assert html.index("Gemeldeter") < html.index("Neuer") < html.index("Alter")
    response = client.get(url + "?moderation=reported")
    assert list(response.context["cl"].result_list) == [reported]
    old.hide()
    response = client.get(url + "?moderation=hidden")
    assert list(response.context["cl"].result_list) == [old]
    assert new in Comment.objects.visible()


def test_admin_actions_hide_unhide_and_delete_keeping_threads(
    client, recap, member, stranger, organizer
) -> None:
    parent = comment(recap, member, "Eltern")
    reply = comment(recap, stranger, "Antwort", parent=parent)
    CommentReport.objects.create(comment=parent, reporter=stranger)
    client.force_login(organizer)
    url = reverse("admin:events_comment_changelist")

    def act(action: str, *comments: Comment) -> None:
        response = client.post(
            url, {"action": action, "_selected_action": [c.pk for c in comments]}
        )
        assert response.status_code == 302

    act("hide_comments", parent)
    parent.refresh_from_db()
    assert parent.is_hidden
    assert not Comment.objects.reported().exists()
    act("unhide_comments", parent)
    parent.refresh_from_db()
    assert not parent.is_hidden
    act("delete_comments", parent)
    parent.refresh_from_db()
    assert parent.is_deleted and parent.body == ""
    assert Comment.objects.filter(pk=reply.pk).exists()
    assert "delete_selected" not in client.get(url).content.decode()


def test_members_cannot_reach_the_moderation_queue(client, member) -> None:
    client.force_login(member)
    response = client.get(reverse("admin:events_comment_changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_cover_choices_are_the_recaps_own_photos(
    client, make_event, recap, organizer
) -> None:
    other = make_recap(past_event(make_event, 90))
    for target in (recap, other):
        photo = RecapPhoto(recap=target, alt_text=f"Foto {target.pk}")
        image = Image.new("RGB", (50, 50))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        photo.store(open_upload(SimpleUploadedFile("p.png", buffer.getvalue())))
        photo.save()
    client.force_login(organizer)
    response = client.get(reverse("admin:events_recap_change", args=[recap.pk]))
    choices = list(response.context["adminform"].form.fields["cover"].queryset)
    assert choices == list(recap.photos.all())
