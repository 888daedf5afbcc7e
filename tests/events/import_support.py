"""Where the shared test data is, and small WordPress exports written by hand."""

import io
from pathlib import Path
from typing import Any

from PIL import Image


def shared_fixture(*parts: str) -> Path:
    """A file under shared/fixtures, which lies beside the repository (in a
    worktree further up): found by walking up from here."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "fixtures"
        if candidate.is_dir():
            return candidate.joinpath(*parts)
    return Path("/work/shared/fixtures").joinpath(*parts)


THEME_UNIT_TEST = shared_fixture("wordpress", "themeunittestdata.wordpress.xml")

WXR_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>#SoMe Stammtisch Blog</title>
<link>https://somehblog.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>https://somehblog.example</wp:base_blog_url>
<wp:author><wp:author_login>nina</wp:author_login>
<wp:author_display_name><![CDATA[Nina Orga]]></wp:author_display_name></wp:author>
"""


def wxr_comment(
    cid: int,
    text: str,
    *,
    author: str = "Gabi Gast",
    email: str = "gabi@example.org",
    date: str = "2016-09-28 08:00:00",
    parent: int = 0,
    approved: str = "1",
    kind: str = "",
) -> str:
    return f"""<wp:comment><wp:comment_id>{cid}</wp:comment_id>
<wp:comment_author><![CDATA[{author}]]></wp:comment_author>
<wp:comment_author_email>{email}</wp:comment_author_email>
<wp:comment_author_IP>192.0.2.7</wp:comment_author_IP>
<wp:comment_date_gmt>{date}</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{text}]]></wp:comment_content>
<wp:comment_approved>{approved}</wp:comment_approved>
<wp:comment_type>{kind}</wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"""


def wxr_item(
    pid: int,
    title: str,
    content: str,
    *,
    slug: str = "",
    status: str = "publish",
    kind: str = "post",
    date: str = "2016-09-27 21:00:00",
    comments: str = "",
    meta: dict[str, str] | None = None,
    extra: str = "",
) -> str:
    slug = slug or f"post-{pid}"
    year, month, day = date[:10].split("-")
    link = f"https://somehblog.example/{year}/{month}/{day}/{slug}/"
    postmeta = "".join(
        f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key>"
        f"<wp:meta_value><![CDATA[{v}]]></wp:meta_value></wp:postmeta>"
        for k, v in (meta or {}).items()
    )
    return f"""<item><title>{title}</title><link>{link}</link>
<dc:creator>nina</dc:creator>
<content:encoded><![CDATA[{content}]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{pid}</wp:post_id><wp:post_date_gmt>{date}</wp:post_date_gmt>
<wp:comment_status>open</wp:comment_status><wp:post_name>{slug}</wp:post_name>
<wp:status>{status}</wp:status><wp:post_parent>0</wp:post_parent>
<wp:post_type>{kind}</wp:post_type><wp:post_password></wp:post_password>
{postmeta}{extra}{comments}</item>
"""


def wxr(*items: str) -> bytes:
    return (WXR_HEAD + "".join(items) + "</channel></rss>").encode()


def jpeg_with_gps(path: Path, size: tuple[int, int] = (1200, 800)) -> Path:
    """A camera-like JPEG with a GPS position in its EXIF data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 22.0, 0.0)
    gps[3], gps[4] = "E", (9.0, 44.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def run_wordpress(data: bytes, **options: Any) -> Any:
    """Import, with the report in English (its reasons are asserted on)."""
    from django.utils import translation

    from events.importers.wordpress import WordPressOptions, import_wordpress

    with translation.override("en"):
        return import_wordpress(data, WordPressOptions(**options))
