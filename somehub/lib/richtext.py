"""HTML written elsewhere (an imported blog post), cleaned to what the site shows.

The allow-list is the Markdown one (somehub.lib.markdown) plus what a blog post is
made of: figures with captions, tables, a few inline tags, and pictures. A picture
is only ever one of the site's own photos: its address in the stored text is a
reference, `photo:<id>/<size>`, that the page turns into the photo's current URL.
Anything else that would load from another server (an image, a player, a script,
a frame) never survives, and neither do styles or event-handler attributes.
"""

import re
from collections.abc import Callable

import nh3
from django.utils.safestring import SafeString, mark_safe

from somehub.lib.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

PHOTO_SCHEME = "photo"
# The sizes a reference may name (RecapPhoto's renditions).
PHOTO_SIZES = ("original", "display", "medium", "thumbnail")

RICH_TAGS = ALLOWED_TAGS | {
    "b",
    "caption",
    "cite",
    "dd",
    "del",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h5",
    "h6",
    "i",
    "img",
    "ins",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "var",
}
RICH_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "q": {"cite"},
}
# The photo grid a gallery becomes looks like the recap's own photo grid.
RICH_CLASSES = {"ul": {"gallery"}}

# The page's title is the only h1, and the site's styles stop at h4.
_HEADING = re.compile(r"<(/?)h([1-6])>")
_HEADING_LEVEL = {"1": "2", "5": "4", "6": "4"}
# nh3 escapes ">" inside attribute values, so a tag ends at the first ">".
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")

PhotoURL = Callable[[int, str], str | None]


def photo_reference(photo_id: int, size: str = "display") -> str:
    return f"{PHOTO_SCHEME}:{photo_id}/{size}"


def parse_photo_reference(value: str) -> tuple[int, str] | None:
    match = re.fullmatch(rf"{PHOTO_SCHEME}:(\d+)/({'|'.join(PHOTO_SIZES)})", value)
    return (int(match[1]), match[2]) if match else None


def clean_rich_html(html: str, photo_url: PhotoURL | None = None) -> SafeString:
    """Sanitise stored rich text for display; `photo_url(id, size)` gives the URL of
    one of the recap's photos, or None (the reference is then dropped)."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) in {("img", "src"), ("a", "href")}:
            reference = parse_photo_reference(value)
            if reference is not None:
                return photo_url(*reference) if photo_url else None
            if tag == "img":
                return None  # never an image from anywhere else
        return value

    clean = nh3.clean(
        html or "",
        tags=RICH_TAGS,
        attributes=RICH_ATTRIBUTES,
        allowed_classes=RICH_CLASSES,
        url_schemes={"http", "https", "mailto", PHOTO_SCHEME},
        link_rel="nofollow noopener",
        attribute_filter=keep,
    )
    clean = _HEADING.sub(lambda m: f"<{m[1]}h{_HEADING_LEVEL.get(m[2], m[2])}>", clean)
    clean = _IMG_WITHOUT_SRC.sub("", clean)
    return mark_safe(clean)  # noqa: S308 - nh3 output is sanitised HTML
