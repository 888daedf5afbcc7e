"""Uploads: only decodable photos get in, they are stored re-encoded under random
names (no metadata, nothing but pixels), and oversized requests are a clean 400."""

import io
import mimetypes
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image, PngImagePlugin

from accounts.models import Profile
from events.admin import EventAdminForm, RecapPhotoForm
from somehub.lib import images
from tests.events.recap_support import make_recap, past_event

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(1)</script>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
NGINX_CONF = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def polyglot_png() -> bytes:
    """A real PNG that also carries HTML: in a text chunk and after its end."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue() + HTML


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = SCRIPT.decode()  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps[2] = (52.0, 22.0, 0.0)  # GPSLatitude: Hannover
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (200, 80, 40)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def upload(data: bytes, name: str, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def profile_post(client: Client, member, photo: SimpleUploadedFile):
    return client.post(
        reverse("accounts:edit-profile"),
        {
            "display_name": "Mia",
            "handle": member.profile.handle,
            "visibility": "members",
            "preferred_language": "de",
            "new_photo": photo,
        },
    )


def assert_only_pixels(stored: Path, kind: str) -> None:
    data = stored.read_bytes()
    assert SCRIPT not in data and b"<html" not in data and b"<svg" not in data
    with Image.open(stored) as image:
        assert image.format == kind
        assert not image.getexif()
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}(-[dt])?\.(webp|jpg)", stored.name)
    guessed = mimetypes.guess_type(stored.name)[0]
    assert guessed in ("image/webp", "image/jpeg")


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (HTML, "photo.jpg", "image/jpeg"),
        (HTML, "photo.html", "text/html"),
        (SVG, "photo.svg", "image/svg+xml"),
        (SVG, "photo.png", "image/png"),
        (b"GIF89a" + SCRIPT, "photo.gif", "image/gif"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png", "image/png"),
        (b"", "empty.jpg", "image/jpeg"),
    ],
    ids=[
        "html-as-jpg",
        "html",
        "svg",
        "svg-as-png",
        "gif-with-script",
        "broken",
        "empty",
    ],
)
def test_profile_photos_that_are_not_photos_are_refused(
    client: Client, member, data: bytes, name: str, content_type: str
) -> None:
    client.force_login(member)
    response = profile_post(client, member, upload(data, name, content_type))
    assert response.status_code == 200
    assert "new_photo" in response.context["form"].errors
    member.profile.refresh_from_db()
    assert not member.profile.photo
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_polyglot_photo_is_stored_as_pixels_only(client: Client, member) -> None:
    client.force_login(member)
    response = profile_post(
        client, member, upload(polyglot_png(), "p.png", "image/png")
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    for field in (profile.photo, profile.photo_thumb):
        assert_only_pixels(Path(field.path), "WEBP")


def test_gps_and_other_metadata_are_dropped(client: Client, member) -> None:
    client.force_login(member)
    response = profile_post(
        client, member, upload(jpeg_with_gps(), "gps.jpg", "image/jpeg")
    )
    assert response.status_code == 302
    assert_only_pixels(Path(Profile.objects.get(user=member).photo.path), "WEBP")


def test_a_decompression_bomb_is_refused(client: Client, member) -> None:
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # 81 megapixels, tiny file
    client.force_login(member)
    response = profile_post(
        client, member, upload(buffer.getvalue(), "b.png", "image/png")
    )
    assert response.status_code == 200
    assert "new_photo" in response.context["form"].errors


def test_a_photo_over_5_mb_gets_a_clear_error_not_a_500(client: Client, member) -> None:
    big = jpeg_with_gps() + b"\x00" * (images.MAX_BYTES + 1)
    client.force_login(member)
    response = profile_post(client, member, upload(big, "big.jpg", "image/jpeg"))
    assert response.status_code == 200
    assert "new_photo" in response.context["form"].errors


def test_recap_photos_from_the_admin_are_checked_and_reencoded(
    make_event, organizer
) -> None:
    recap = make_recap(past_event(make_event), author=organizer)
    refused = RecapPhotoForm(
        {"alt_text": "x", "position": 0},
        {"image": upload(SVG, "x.svg", "image/svg+xml")},
        instance=None,
    )
    assert not refused.is_valid()
    form = RecapPhotoForm(
        {"alt_text": "Gäste", "position": 0},
        {"image": upload(polyglot_png(), "p.png", "image/png")},
    )
    assert form.is_valid(), form.errors
    form.instance.recap = recap
    photo = form.save()
    for field in (photo.image, photo.display, photo.thumbnail):
        assert_only_pixels(Path(field.path), "WEBP")


def test_event_cover_images_are_reencoded_too(make_event) -> None:
    """The cover image went to disk as uploaded, metadata and all; now it is
    decoded and stored as a fresh JPEG (link previews want JPEG)."""
    event = make_event()
    data = {"cover_image_alt": "Ein Bild"}
    refused = EventAdminForm(
        data, {"cover_image": upload(HTML, "c.jpg", "image/jpeg")}, instance=event
    )
    assert not refused.is_valid()
    assert "cover_image" in refused.errors
    form = EventAdminForm(
        data,
        {"cover_image": upload(jpeg_with_gps(), "c.jpg", "image/jpeg")},
        instance=event,
    )
    assert form.is_valid(), form.errors
    event = form.save()
    assert_only_pixels(Path(event.cover_image.path), "JPEG")


# Request size ---------------------------------------------------------------------


def test_the_limits_are_deliberate() -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440  # 2.5 MB of form fields
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 5_242_880  # a 5 MB photo in memory
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    # nginx lets a 5 MB photo and its form through, and not much more.
    match = re.search(r"client_max_body_size\s+(\d+)m;", NGINX_CONF.read_text())
    assert match, "nginx.conf sets no client_max_body_size"
    limit = int(match.group(1)) * 1024 * 1024
    assert images.MAX_BYTES < limit <= 10 * 1024 * 1024


def test_an_oversized_form_is_a_clean_400(client: Client, member, make_event) -> None:
    recap = make_recap(past_event(make_event))
    client.force_login(member)
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(
        reverse("events:comment-create", kwargs={"slug": recap.slug}), {"body": body}
    )
    assert response.status_code == 400
    assert 'class="error-page"' in response.content.decode()


def test_too_many_fields_are_a_clean_400(client: Client, member) -> None:
    client.force_login(member)
    data = {f"f{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("accounts:edit-profile"), data)
    assert response.status_code == 400


def test_too_many_files_are_a_clean_400(client: Client, member) -> None:
    client.force_login(member)
    files = {f"f{n}": upload(b"x", f"{n}.txt", "text/plain") for n in range(101)}
    response = client.post(reverse("accounts:edit-profile"), files)
    assert response.status_code == 400


# Serving ------------------------------------------------------------------------


def test_nginx_serves_only_photos_from_media_with_nosniff() -> None:
    conf = NGINX_CONF.read_text()
    media = conf[conf.index("location /media/") :]
    media = media[: media.index("\n    }\n") + 6]
    assert re.search(r"location ~\* \\\.\(jpe\?g\|png\|webp\)\$", media)
    assert "return 404;" in media  # anything else under /media/
    assert 'X-Content-Type-Options "nosniff"' in media
    assert "sandbox" in media
    assert "text/html" not in media and "svg" not in media


def flat_image(kind: str, size: tuple[int, int], mode: str = "RGB") -> bytes:
    """A picture of one colour: a few KB for any number of pixels, like a bomb."""
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 120, 40)[: len(mode)] or 0).save(buffer, kind)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "size"),
    [("PNG", (6320, 6320)), ("PNG", (4001, 3000)), ("WEBP", (4000, 2001))],
)
def test_lossless_photos_beyond_their_pixel_limit_are_refused_before_decoding(
    client: Client, member, kind: str, size: tuple[int, int]
) -> None:
    """A 6320×6320 PNG is 116 KB and would take 120 MB per copy to decode."""
    client.force_login(member)
    data = flat_image(kind, size)
    name = f"big.{kind.lower()}"
    response = profile_post(client, member, upload(data, name, f"image/{kind.lower()}"))
    assert response.status_code == 200
    (error,) = response.context["form"].errors["new_photo"]
    assert "megapixel" in error.lower()


def test_a_40_megapixel_jpeg_is_decoded_at_a_reduced_scale() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = images.open_upload(
        SimpleUploadedFile("big.jpg", flat_image("JPEG", (6320, 6320)))
    )
    assert max(image.size) == images.WORKING_SIZE


@pytest.mark.parametrize(
    ("kind", "width", "height", "mode"),
    [
        ("JPEG", 7745, 5163, "RGB"),  # 40 megapixels
        ("PNG", 3464, 3464, "RGBA"),  # 12 megapixels with transparency
        ("WEBP", 2828, 2828, "RGBA"),  # 8 megapixels with transparency
    ],
)
def test_the_largest_accepted_upload_of_each_format_stays_under_200_mb(
    kind: str, width: int, height: int, mode: str
) -> None:
    """Measured in a fresh process (scripts/upload_memory.py): decoding plus every
    rendition of a recap photo. Before the bounds: 392 MB for a 40-megapixel PNG,
    613 MB for a WebP."""
    import json
    import subprocess
    import sys

    from scripts.prodserver import ROOT

    result = subprocess.run(
        [
            sys.executable,
            "scripts/upload_memory.py",
            kind,
            str(width),
            str(height),
            mode,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["outcome"] == "accepted"
    assert measured["peak_rise_mb"] < 200, measured
