"""Attendees' photos: those who were there add photos to a published recap; they
wait for the Orga-Team's approval, lose their metadata, carry a description, and
can be withdrawn by the member."""

import io
import os

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from events.models import Recap, RecapPhoto, RecapStatus, RSVPStatus
from events.models.recap import PHOTO_UPLOADS, PhotoReview, photos_awaiting_approval
from tests.conftest import make_user
from tests.events.orga_support import make_orga
from tests.events.recap_support import attendee, jpeg_upload, make_recap, past_event

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


@pytest.fixture
def recap(make_event) -> Recap:
    return make_recap(past_event(make_event))


@pytest.fixture
def was_there(recap):
    return attendee(recap.event, 1, name="Anna Anwesend", checked_in=True).member


def gif() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    return SimpleUploadedFile("x.gif", buffer.getvalue(), content_type="image/gif")


def add_url(recap: Recap) -> str:
    return reverse("events:recap-photo-add", args=[recap.slug])


def withdraw_url(photo: RecapPhoto) -> str:
    return reverse("events:recap-photo-withdraw", args=[photo.recap.slug, photo.pk])


def upload(client, recap, alt="Fünf Leute lachen am Tisch", **image_options):
    return client.post(
        add_url(recap),
        {"image": jpeg_upload(**image_options), "alt_text": alt},
        headers=EN,
    )


def test_member_who_was_there_adds_a_photo_that_waits(client, recap, was_there) -> None:
    client.force_login(was_there)
    page = client.get(recap.get_absolute_url(), headers=EN).content.decode()
    assert 'id="your-photos"' in page and 'enctype="multipart/form-data"' in page
    response = upload(client, recap, gps=True, exif_orientation=6)
    assert response.status_code == 302
    assert response["Location"] == recap.get_absolute_url() + "#your-photos"
    (photo,) = RecapPhoto.objects.all()
    assert photo.review == PhotoReview.PENDING
    assert photo.contributor == was_there
    assert photo.alt_text == "Fünf Leute lachen am Tisch"
    # The same pipeline as the Orga-Team's photos: upright, re-encoded, no metadata.
    with Image.open(photo.image.path) as stored:
        assert stored.format == "WEBP"
        assert not stored.getexif() and "exif" not in stored.info
        assert stored.size[1] > stored.size[0]
    assert "photo" not in photo.image.name
    # The member sees it with its state; nobody else sees it yet.
    page = client.get(recap.get_absolute_url(), headers=EN).content.decode()
    assert "Awaiting approval" in page and photo.thumbnail_url in page
    assert "Thank you! Your photo is shown once the Orga-Team" in page
    client.logout()
    public = client.get(recap.get_absolute_url()).content.decode()
    assert photo.thumbnail_url not in public and photo.display_url not in public
    assert list(photos_awaiting_approval()) == [photo]


def test_member_who_was_going_may_add_too(client, recap) -> None:
    going = attendee(recap.event, 2, checked_in=False).member
    client.force_login(going)
    assert upload(client, recap).status_code == 302


@pytest.mark.parametrize("status", [RSVPStatus.WAITING, RSVPStatus.NOT_GOING, None])
def test_who_was_not_there_sees_no_form_and_may_not_post(client, recap, status) -> None:
    if status is None:
        member = make_user("fremd@example.org")
    else:
        member = attendee(recap.event, 3, status=status).member
    client.force_login(member)
    page = client.get(recap.get_absolute_url(), headers=EN).content.decode()
    assert 'id="your-photos"' not in page
    assert upload(client, recap).status_code == 403
    assert not RecapPhoto.objects.exists()


def test_visitor_is_sent_to_log_in_and_get_is_refused(client, recap) -> None:
    response = upload(client, recap)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(add_url(recap)).status_code == 405
    assert not RecapPhoto.objects.exists()


def test_draft_recap_takes_no_photos(client, make_event) -> None:
    draft = make_recap(
        past_event(make_event), status=RecapStatus.DRAFT, published_at=None
    )
    member = attendee(draft.event, 4, checked_in=True).member
    client.force_login(member)
    assert upload(client, draft).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"alt_text": "Ohne Bild"}, "Please choose a photo."),
        (
            {"image": "jpeg", "alt_text": ""},
            "Please describe the photo in a few words.",
        ),
        ({"image": "jpeg", "alt_text": "   "}, "Please describe the photo"),
        (
            {"image": SimpleUploadedFile("x.jpg", b"not an image"), "alt_text": "x"},
            "This file could not be read as a photo.",
        ),
        (
            {"image": gif(), "alt_text": "x"},
            "Please upload a JPEG, PNG or WebP photo.",
        ),
        ({"image": "jpeg", "alt_text": "x" * 301}, "at most 300 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_nothing(
    client, recap, was_there, data, message
) -> None:
    if data.get("image") == "jpeg":
        data["image"] = jpeg_upload((400, 300))
    client.force_login(was_there)
    response = client.post(add_url(recap), data, headers=EN)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RecapPhoto.objects.exists()


def test_too_large_photo_is_refused(client, recap, was_there, settings) -> None:
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + os.urandom(5 * 1024 * 1024 + 10))
    client.force_login(was_there)
    response = client.post(
        add_url(recap), {"image": big, "alt_text": "Groß"}, headers=EN
    )
    assert response.status_code == 400
    assert "too large" in response.content.decode()


def test_uploads_are_rate_limited(client, recap, was_there) -> None:
    client.force_login(was_there)
    for _ in range(PHOTO_UPLOADS.count):
        assert upload(client, recap).status_code == 302
    response = upload(client, recap, alt="Eins zu viel")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait a little before you add more." in html
    assert "Eins zu viel" in html  # the description typed is kept
    assert RecapPhoto.objects.count() == PHOTO_UPLOADS.count


def test_member_withdraws_their_photo_and_its_files(
    client, recap, was_there, django_capture_on_commit_callbacks
) -> None:
    client.force_login(was_there)
    upload(client, recap)
    photo = RecapPhoto.objects.get()
    files = [photo.image.path, photo.display.path, photo.thumbnail.path]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(photo), headers=EN)
    assert response.status_code == 302
    assert not RecapPhoto.objects.exists()
    assert not any(os.path.exists(f) for f in files)
    assert client.get(withdraw_url(photo)).status_code == 405


def test_nobody_else_withdraws_a_photo(client, recap, was_there) -> None:
    client.force_login(was_there)
    upload(client, recap)
    photo = RecapPhoto.objects.get()
    other = attendee(recap.event, 5, checked_in=True).member
    client.force_login(other)
    assert client.post(withdraw_url(photo)).status_code == 404
    client.force_login(make_orga())  # not even an organizer, outside the admin
    assert client.post(withdraw_url(photo)).status_code == 404
    client.logout()
    assert client.post(withdraw_url(photo)).status_code == 302
    assert RecapPhoto.objects.filter(pk=photo.pk).exists()


def test_organizer_approves_in_the_admin_and_the_photo_is_shown(
    client, recap, was_there
) -> None:
    client.force_login(was_there)
    upload(client, recap, alt="Die Runde am Tresen")
    photo = RecapPhoto.objects.get()
    orga = make_orga()
    client.force_login(orga)
    changelist = reverse("admin:events_recapphoto_changelist")
    listed = client.get(changelist + "?review__exact=pending").content.decode()
    assert "Die Runde am Tresen" in listed
    # On the Orga-Team's to-do list, with the link to where it is done.
    dashboard = client.get(reverse("events:orga-dashboard"), headers=EN)
    html = dashboard.content.decode()
    assert "Photos to approve" in html
    assert "Die Runde am Tresen" in html
    assert "?review__exact=pending" in html
    response = client.post(
        changelist,
        {"action": "approve_photos", "_selected_action": [photo.pk]},
        headers=EN,
        follow=True,
    )
    assert "1 photo approved: it is shown on its recap now." in (
        response.content.decode()
    )
    photo.refresh_from_db()
    assert photo.review == PhotoReview.APPROVED and photo.reviewed_at
    assert LogEntry.objects.filter(object_id=str(photo.pk), user=orga).exists()
    assert not photos_awaiting_approval().exists()
    client.logout()
    public = client.get(recap.get_absolute_url()).content.decode()
    assert photo.thumbnail_url in public and 'alt="Die Runde am Tresen"' in public


def test_organizer_rejects_and_the_member_still_sees_it(
    client, recap, was_there
) -> None:
    client.force_login(was_there)
    upload(client, recap)
    photo = RecapPhoto.objects.get()
    client.force_login(make_orga())
    response = client.post(
        reverse("admin:events_recapphoto_changelist"),
        {"action": "reject_photos", "_selected_action": [photo.pk]},
        headers=EN,
        follow=True,
    )
    assert "1 photo rejected" in response.content.decode()
    client.logout()
    assert (
        photo.thumbnail_url not in client.get(recap.get_absolute_url()).content.decode()
    )
    client.force_login(was_there)
    page = client.get(recap.get_absolute_url(), headers=EN).content.decode()
    assert "Not shown" in page and photo.thumbnail_url in page


def test_pending_photos_stay_out_of_feeds_and_the_cover_choice(
    client, recap, was_there
) -> None:
    client.force_login(was_there)
    upload(client, recap)
    photo = RecapPhoto.objects.get()
    client.logout()
    feed = client.get(reverse("events:recap-feed")).content.decode()
    assert photo.image.name.split("/")[-1].split(".")[0] not in feed
    client.force_login(make_orga())
    form = client.get(reverse("admin:events_recap_change", args=[recap.pk]))
    cover = form.context["adminform"].form.fields["cover"]
    assert photo not in cover.queryset


def test_recap_page_costs_the_same_with_more_photos(
    client, recap, was_there, django_assert_max_num_queries, settings
) -> None:
    settings.PAGE_CACHE = False
    client.force_login(was_there)
    upload(client, recap)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(recap.get_absolute_url())
        return len(queries)

    one = count()
    for _ in range(3):
        upload(client, recap)
    assert count() == one


def test_approve_twice_counts_once(recap, was_there) -> None:
    orga = make_orga()
    photo = recap.add_attendee_photo(
        was_there, Image.new("RGB", (300, 200)), "  Zwei   Gläser  "
    )
    assert photo.alt_text == "Zwei Gläser" and photo.position == 1
    assert photo.approve(by=orga) is True
    assert photo.approve(by=orga) is False


def test_export_and_account_deletion_include_the_photos(
    client, recap, was_there, django_capture_on_commit_callbacks
) -> None:
    client.force_login(was_there)
    upload(client, recap, alt="Mein Foto")
    photo = RecapPhoto.objects.get()
    data = apps.get_app_config("events").export_member_data(was_there)
    (exported,) = data["recap_photos"]
    assert exported["description"] == "Mein Foto" and exported["review"] == "pending"
    path = photo.image.path
    with django_capture_on_commit_callbacks(execute=True):
        apps.get_app_config("events").delete_member_data(was_there)
    assert not RecapPhoto.objects.exists()
    assert not os.path.exists(path)
