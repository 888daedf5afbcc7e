"""QR codes (segno): for the door check-in, as inline SVG on a page and as PNG for
a mail. Always black on white with a quiet zone, so phone cameras read them in
dark mode too."""

import io
from functools import lru_cache

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_png(text: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="png", scale=scale, border=4, dark="#000", light="#fff"
    )
    return out.getvalue()


# A member's code never changes and drawing one takes milliseconds: the last few
# hundred drawn are kept (the result depends on the arguments alone).
@lru_cache(maxsize=256)
def qr_svg(text: str, title: str, scale: int = 5) -> SafeString:
    """An inline <svg> (no style attributes: the strict CSP allows it)."""
    svg = segno.make(text, error="m", micro=False).svg_inline(
        scale=scale,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        omitsize=True,
        lineclass=None,
        title=title,
    )
    svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return mark_safe(svg)  # noqa: S308 - segno escapes the title
