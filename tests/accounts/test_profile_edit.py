"""Editing one's own profile: fields, handle, links, and photos through Pillow."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import Profile, User
from tests.accounts.conftest import image_bytes, stored_files
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/me/profile/"


def form_data(profile: Profile, **changes: Any) -> dict[str, Any]:
    data = {
        "display_name": profile.display_name,
        "handle": profile.handle,
        "field": profile.field,
        "organisation": profile.organisation,
        "role": profile.role,
        "bio": profile.bio,
        "challenge": profile.challenge,
        "website": "",
        "linkedin": "",
        "instagram": "",
        "mastodon": "",
        "x": "",
        "tiktok": "",
        "visibility": profile.visibility,
        "show_in_attendee_lists": "on",
        "preferred_language": profile.preferred_language,
    }
    data.update(changes)
    return data


@pytest.fixture
def logged_in(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={URL}"


def test_edit_page_shows_the_form(logged_in: Client) -> None:
    response = logged_in.get(URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b'name="visibility"' in response.content


def test_account_without_profile_gets_one(client: Client) -> None:
    user = User.objects.create_user(email="admin.made@example.org", password="x")
    client.force_login(user)
    assert client.get(URL).status_code == 200
    # A neutral handle: nothing from the e-mail address.
    handle = Profile.objects.get(user=user).handle
    assert handle.startswith("member-")
    assert "admin" not in handle


def test_saving_the_profile_updates_it_and_shows_the_page(
    logged_in: Client, member: User
) -> None:
    data = form_data(
        member.profile,
        display_name="Mia M.",
        handle="Mia_2016",
        field="coaching",
        bio="Hallo!",
        visibility="public",
        preferred_language="en",
        notify_replies="on",  # no longer on this form: the mail preferences are
        mastodon="https://mastodon.social/@mia",
    )
    response = logged_in.post(URL, data)
    assert response.status_code == 302
    assert response.url == "/members/mia_2016/"
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.handle, profile.field) == (
        "Mia M.",
        "mia_2016",
        "coaching",
    )
    assert profile.preferred_language == "en"
    assert profile.notify_replies is False  # stays as it was
    assert profile.mastodon == "https://mastodon.social/@mia"


@pytest.mark.parametrize(
    "handle", ["a", "with space", "ümlaut", "-dash-first", "x" * 41]
)
def test_bad_handles_are_refused(logged_in: Client, member: User, handle: str) -> None:
    response = logged_in.post(URL, form_data(member.profile, handle=handle))
    assert response.status_code == 200
    assert b'id="id_handle_error"' in response.content
    assert Profile.objects.get(user=member).handle == "mia"


def test_a_taken_handle_is_refused_whatever_its_case(
    logged_in: Client, member: User
) -> None:
    make_user("sam@example.org", handle="sam")
    response = logged_in.post(URL, form_data(member.profile, handle="SAM"))
    assert b"This handle is taken" in response.content
    assert Profile.objects.get(user=member).handle == "mia"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/", "not a url", "data:text/html,x"],
)
def test_links_must_be_web_addresses(logged_in: Client, member: User, url: str) -> None:
    response = logged_in.post(URL, form_data(member.profile, website=url))
    assert response.status_code == 200
    assert b'id="id_website_error"' in response.content
    assert Profile.objects.get(user=member).website == ""


def test_other_methods_are_refused(logged_in: Client) -> None:
    assert logged_in.delete(URL).status_code == 405


def rotated_photo_with_gps() -> bytes:
    """Stored sideways (left half red, right half blue), with orientation 6 (turn
    90° clockwise to show), and GPS coordinates of Hannover in the EXIF data."""
    image = Image.new("RGB", (1200, 600), "blue")
    image.paste((255, 0, 0), (0, 0, 600, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 30.0), 3: "E", 4: (9.0, 44.0, 15.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the GPS is in
    return data


def test_photo_is_turned_upright_and_stripped_of_all_metadata(
    logged_in: Client,
    member: User,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = form_data(
        member.profile, new_photo=upload("me.jpg", rotated_photo_with_gps())
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(URL, data)
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    sizes = {}
    for field in (profile.photo, profile.photo_thumb):
        raw = Path(field.path).read_bytes()
        assert b"Exif" not in raw
        assert b"PhoneMaker" not in raw
        image = Image.open(io.BytesIO(raw))
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile"} & set(image.info)
        image = image.convert("RGB")
        width, height = image.size
        sizes[field.field.name] = image.size
        # Upright: the red half (stored on the left) is now at the top.
        top = image.getpixel((width // 2, height // 8))
        bottom = image.getpixel((width // 2, height * 7 // 8))
        assert top[0] > 200 and top[2] < 60, top
        assert bottom[2] > 200 and bottom[0] < 60, bottom
    assert sizes == {"photo": (512, 512), "photo_thumb": (96, 96)}
    # Random names, nothing of the upload's name.
    assert "me" not in Path(profile.photo.name).stem
    assert len(stored_files(media_root)) == 2


def png_of_50_megapixels() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (7100, 7100)).save(buffer, "PNG")
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    noise = Image.effect_noise((400, 300), 80).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("huge.png", png_of_50_megapixels, b"too many pixels"),
        (
            "cv.jpg",
            lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
            b"could not be read as a photo",
        ),
        ("cut.jpg", truncated_jpeg, b"could not be read as a photo"),
        ("big.jpg", lambda: b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), b"too large"),
        ("anim.gif", lambda: image_bytes(fmt="GIF"), b"JPEG, PNG or WebP"),
    ],
)
def test_bad_photos_are_rejected_with_a_message(
    logged_in: Client,
    member: User,
    media_root: Path,
    name: str,
    make: Any,
    message: bytes,
) -> None:
    response = logged_in.post(
        URL, form_data(member.profile, new_photo=upload(name, make()))
    )
    assert response.status_code == 200
    assert message in response.content
    assert (
        b'aria-describedby="id_new_photo_helptext id_new_photo_error"'
        in response.content
    )
    assert not Profile.objects.get(user=member).photo
    assert stored_files(media_root) == []


def test_png_and_webp_are_accepted(logged_in: Client, member: User) -> None:
    for name, fmt in [("a.png", "PNG"), ("b.webp", "WEBP")]:
        data = form_data(member.profile, new_photo=upload(name, image_bytes(fmt=fmt)))
        assert logged_in.post(URL, data).status_code == 302


def test_new_photo_replaces_the_old_files(
    logged_in: Client,
    member: User,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(
            URL, form_data(member.profile, new_photo=upload("1.jpg", image_bytes()))
        )
    first = Profile.objects.get(user=member)
    old = [Path(first.photo.path), Path(first.photo_thumb.path)]
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(
            URL, form_data(first, new_photo=upload("2.jpg", image_bytes(color="green")))
        )
    second = Profile.objects.get(user=member)
    assert second.photo.name != first.photo.name
    assert not any(path.exists() for path in old)
    assert sorted(stored_files(media_root)) == sorted(
        [Path(second.photo.path), Path(second.photo_thumb.path)]
    )


def test_removing_the_photo_deletes_the_files(
    logged_in: Client,
    member: User,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(
            URL, form_data(member.profile, new_photo=upload("1.jpg", image_bytes()))
        )
    profile = Profile.objects.get(user=member)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(URL, form_data(profile, remove_photo="on"))
    profile.refresh_from_db()
    assert not profile.photo and not profile.photo_thumb
    assert stored_files(media_root) == []


def test_members_without_photo_get_initials(client: Client, member: User) -> None:
    Profile.objects.filter(user=member).update(visibility="public")
    html = client.get("/members/mia/").content.decode()
    assert (
        '<span class="avatar avatar-xl avatar-initials" aria-hidden="true">MM</span>'
        in html
    )
