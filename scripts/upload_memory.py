"""Peak memory of one photo upload: decode it as the site does, make the renditions.

    .venv/bin/python scripts/upload_memory.py PNG 4000 3000 [RGBA]  # format, size, mode

Prints one JSON line: whether the photo was accepted and how far the process's peak
resident memory (max RSS) rose above what it was before the decoding. The picture is
a flat colour, so it compresses to a few KB whatever its size, as a hostile one does.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "somehub.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


MAKE = """
import sys
from PIL import Image
kind, width, height, mode, path = sys.argv[1:6]
width, height = int(width), int(height)
Image.MAX_IMAGE_PIXELS = None
Image.new(mode, (width, height), (200, 120, 40)).save(path, kind)
"""


def main() -> None:
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from events.models import RecapPhoto
    from somehub.lib.images import fit_within, open_upload, square

    kind, width, height = sys.argv[1].upper(), int(sys.argv[2]), int(sys.argv[3])
    mode = sys.argv[4].upper() if len(sys.argv) > 4 else "RGB"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"photo.{kind.lower()}"
        # Made in another process, so that making it does not count here.
        subprocess.run(
            [
                sys.executable,
                "-c",
                MAKE,
                kind,
                str(width),
                str(height),
                mode,
                str(path),
            ],
            check=True,
        )
        data = path.read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        image = open_upload(SimpleUploadedFile(f"photo.{kind.lower()}", data))
        for size in (
            RecapPhoto.ORIGINAL_SIZE,
            RecapPhoto.DISPLAY_SIZE,
            RecapPhoto.MEDIUM_SIZE,
        ):
            fit_within(image, size)
        square(image, RecapPhoto.THUMBNAIL_SIZE)
        outcome = "accepted"
    except ValidationError as exc:
        outcome = f"refused: {exc.messages[0]}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "format": kind,
                "size": f"{width}x{height} {mode}",
                "bytes": len(data),
                "outcome": outcome,
                "peak_rise_mb": round((peak - before) / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
