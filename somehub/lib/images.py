"""Safe handling of uploaded photos with Pillow.

Every upload is checked against the byte limit and, from its header alone, against
the pixel limit of its format before a single pixel is decoded; then it is decoded
fully (a truncated file fails here), scaled down at once to the largest size the
site keeps, turned upright by its EXIF orientation, stripped of all metadata (GPS
included) by re-encoding the pixels only, and stored under a random name.

Memory is bounded before decoding: a JPEG is decoded at a reduced scale (Pillow's
`draft`, at most 1/8 of the pixels), PNG and WebP, which cannot be decoded smaller,
have a lower pixel limit. `scripts/upload_memory.py` measures the peak of the
largest accepted upload of each format (README, "Uploaded photos").
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
# Pixels in the file, by format: a JPEG is decoded at a reduced scale, the others
# whole (4 bytes a pixel with transparency: 12 megapixels are 48 MB; a WebP is
# held twice while it is decoded).
MAX_PIXELS = {"JPEG": 40_000_000, "PNG": 12_000_000, "WEBP": 8_000_000}
# The largest rendition anyone keeps (RecapPhoto.ORIGINAL_SIZE): a decoded upload
# is scaled down to this at once, so the renditions work on a small copy.
WORKING_SIZE = 2560
# Pillow's own guard for any image it opens anywhere in the process.
Image.MAX_IMAGE_PIXELS = max(MAX_PIXELS.values())
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
OUTPUT_FORMAT = "WEBP"
OUTPUT_EXTENSION = "webp"


@dataclass(frozen=True)
class Rendition:
    """One stored size of a photo: a ContentFile with a random name, and its size."""

    file: ContentFile
    width: int
    height: int


def open_upload(upload: UploadedFile, max_bytes: int = MAX_BYTES) -> Image.Image:
    """Decode an upload, at most WORKING_SIZE pixels on its longest side, or raise
    ValidationError with a message for the form.

    `max_bytes` is larger only for files the operator chose (an import)."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The photo is too large: at most 5 MB, please."), code="too_large"
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The photo is too large: at most 5 MB, please."), code="too_large"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Please upload a JPEG, PNG or WebP photo."), code="format"
                )
            width, height = probe.size
            if width * height > MAX_PIXELS[probe.format]:
                raise ValidationError(
                    _(
                        "The photo has too many pixels: at most %(megapixels)s "
                        "megapixels for a %(format)s file, please."
                    ),
                    code="too_many_pixels",
                    params={
                        "megapixels": MAX_PIXELS[probe.format] // 1_000_000,
                        "format": probe.format,
                    },
                )
            image: Image.Image = Image.open(io.BytesIO(data))
            # JPEG only: decode at 1/2, 1/4 or 1/8 scale, still at least this big.
            image.draft("RGB", (WORKING_SIZE, WORKING_SIZE))
            image.load()  # a truncated or corrupt file fails here
            # In place: the full-size pixels are let go before the next step.
            image.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.LANCZOS)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Beyond every format's limit: Pillow says so from the header already.
        raise ValidationError(
            _("The photo has too many pixels: at most %(megapixels)s megapixels."),
            code="too_many_pixels",
            params={"megapixels": max(MAX_PIXELS.values()) // 1_000_000},
        ) from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ValidationError(
            _("This file could not be read as a photo. Please try another one."),
            code="invalid",
        ) from exc
    image = ImageOps.exif_transpose(image) or image
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return image


def _encode(image: Image.Image, stem: str) -> Rendition:
    buffer = io.BytesIO()
    # Only pixels are written: no EXIF, XMP or ICC data survives.
    image.save(buffer, OUTPUT_FORMAT, quality=82, method=4)
    name = f"{stem}.{OUTPUT_EXTENSION}"
    return Rendition(ContentFile(buffer.getvalue(), name=name), *image.size)


def random_stem() -> str:
    return secrets.token_urlsafe(12)


def square(image: Image.Image, size: int, stem: str | None = None) -> Rendition:
    """A centred square crop, scaled to `size` pixels (never scaled up)."""
    side = min(image.size)
    cropped = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
    if side > size:
        cropped = cropped.resize((size, size), Image.Resampling.LANCZOS)
    return _encode(cropped, stem or random_stem())


def fit_within(image: Image.Image, longest: int, stem: str | None = None) -> Rendition:
    """The whole picture, its longest side at most `longest` pixels."""
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return _encode(copy, stem or random_stem())


def reencode_as_jpeg(image: Image.Image, longest: int) -> ContentFile:
    """A JPEG of the picture under a random name, for link previews (Open Graph),
    which do not all take WebP; only pixels, no metadata."""
    if image.mode == "RGBA":  # JPEG has no transparency: lay it on white
        copy = Image.new("RGB", image.size, (255, 255, 255))
        copy.paste(image, mask=image.getchannel("A"))
    else:
        copy = image.convert("RGB")
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=f"{random_stem()}.jpg")
