"""Reading a WordPress export (WXR): posts, pages, attachments and comments.

Parsed with defusedxml: an export is a file from elsewhere, so entity expansion
("billion laughs") and external entities or DTDs are refused. Exports differ in
their namespace URIs (`http://wordpress.org/export/1.2/`, `https://…/1.1/`, …), so
elements are matched by their local name within the WordPress family.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils import timezone
from django.utils.translation import gettext as _

# A WordPress export is a few megabytes; this stops a mistaken upload of a backup.
MAX_BYTES = 64 * 1024 * 1024


class WxrError(Exception):
    """The file is not a WordPress export that can be read; the message says why."""


@dataclass
class WxrComment:
    id: str
    parent_id: str
    author: str
    email: str
    date: datetime | None
    approved: str
    type: str
    content: str


@dataclass
class WxrItem:
    id: str
    type: str
    status: str
    title: str
    slug: str
    link: str
    date: datetime | None
    content: str
    excerpt: str
    creator: str
    password: str
    comment_status: str
    parent_id: str
    menu_order: int
    attachment_url: str
    categories: list[tuple[str, str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[WxrComment] = field(default_factory=list)

    def in_terms(self, wanted: set[str]) -> bool:
        """Whether any of its categories or tags is wanted (by slug or by name)."""
        return any(
            nicename.casefold() in wanted or name.casefold() in wanted
            for _domain, nicename, name in self.categories
        )


@dataclass
class WxrExport:
    title: str
    link: str
    base_blog_url: str
    authors: dict[str, str]
    items: list[WxrItem]

    @property
    def source(self) -> str:
        """The blog's address, which names it in the import records."""
        address = self.base_blog_url or self.link
        return re.sub(r"^https?://", "", address.strip()).rstrip("/").casefold()[:200]

    @property
    def hosts(self) -> set[str]:
        """The host names the blog's own links and pictures were served from."""
        hosts = set()
        for url in (self.base_blog_url, self.link):
            match = re.match(r"^https?://([^/:]+)", url.strip(), re.I)
            if match:
                hosts.add(match[1].casefold())
        return hosts


def _key(tag: str) -> str:
    """ "{https://wordpress.org/export/1.2/}post_id" -> "wp:post_id"."""
    if not tag.startswith("{"):
        return tag
    namespace, local = tag[1:].split("}", 1)
    if "wordpress.org/export/" in namespace:
        prefix = "excerpt" if namespace.rstrip("/").endswith("excerpt") else "wp"
    elif "purl.org/rss/1.0/modules/content" in namespace:
        prefix = "content"
    elif "purl.org/dc/elements" in namespace:
        prefix = "dc"
    else:
        prefix = "x"
    return f"{prefix}:{local}"


def _fields(element: Element) -> dict[str, Any]:
    """First text of each child by key; repeated children as lists under "key[]"."""
    out: dict[str, Any] = {}
    for child in element:
        key = _key(child.tag)
        out.setdefault(key + "[]", []).append(child)
        out.setdefault(key, child.text or "")
    return out


def _date(gmt: str, local: str, rfc822: str = "") -> datetime | None:
    """The post's moment: GMT when the export has it, else the blog's local time
    taken as the site's zone, else the RSS date. Drafts have none of these."""
    gmt, local = gmt.strip(), local.strip()
    for value, zone in ((gmt, UTC), (local, timezone.get_default_timezone())):
        if value and not value.startswith("0000"):
            try:
                return datetime.fromisoformat(value).replace(tzinfo=zone)
            except ValueError:
                continue
    if rfc822.strip():
        try:
            return parsedate_to_datetime(rfc822.strip())
        except (TypeError, ValueError):
            return None
    return None


def _comment(element: Element) -> WxrComment:
    f = _fields(element)
    return WxrComment(
        id=f.get("wp:comment_id", "").strip(),
        parent_id=f.get("wp:comment_parent", "").strip(),
        author=f.get("wp:comment_author", "").strip(),
        email=f.get("wp:comment_author_email", "").strip(),
        date=_date(f.get("wp:comment_date_gmt", ""), f.get("wp:comment_date", "")),
        approved=f.get("wp:comment_approved", "").strip(),
        type=f.get("wp:comment_type", "").strip(),
        content=f.get("wp:comment_content", ""),
    )


def _item(element: Element) -> WxrItem:
    f = _fields(element)
    meta = {}
    for entry in f.get("wp:postmeta[]", []):
        entry_fields = _fields(entry)
        meta[entry_fields.get("wp:meta_key", "")] = entry_fields.get(
            "wp:meta_value", ""
        )
    categories = [
        (c.get("domain", ""), c.get("nicename", ""), (c.text or "").strip())
        for c in f.get("category[]", [])
    ]
    try:
        menu_order = int(f.get("wp:menu_order", "0") or 0)
    except ValueError:
        menu_order = 0
    return WxrItem(
        id=f.get("wp:post_id", "").strip(),
        type=f.get("wp:post_type", "").strip(),
        status=f.get("wp:status", "").strip(),
        title=f.get("title", ""),
        slug=f.get("wp:post_name", "").strip(),
        link=f.get("link", "").strip(),
        date=_date(
            f.get("wp:post_date_gmt", ""),
            f.get("wp:post_date", ""),
            f.get("pubDate", ""),
        ),
        content=f.get("content:encoded", ""),
        excerpt=f.get("excerpt:encoded", ""),
        creator=f.get("dc:creator", "").strip(),
        password=f.get("wp:post_password", "").strip(),
        comment_status=f.get("wp:comment_status", "").strip(),
        parent_id=f.get("wp:post_parent", "").strip(),
        menu_order=menu_order,
        attachment_url=f.get("wp:attachment_url", "").strip(),
        categories=categories,
        meta=meta,
        comments=[_comment(c) for c in f.get("wp:comment[]", [])],
    )


def parse_wxr(data: bytes) -> WxrExport:
    """The export in `data`, or WxrError with a message for the organizer."""
    if len(data) > MAX_BYTES:
        raise WxrError(_("The file is larger than 64 MB."))
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        raise WxrError(
            _("The file uses XML features that are refused for safety (%(what)s).")
            % {"what": type(exc).__name__}
        ) from exc
    except (ParseError, ValueError) as exc:
        raise WxrError(
            _("The file is not valid XML (%(error)s).") % {"error": exc}
        ) from exc
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise WxrError(_("The file is not a WordPress export (no RSS channel)."))
    f = _fields(channel)
    if "wp:wxr_version" not in f and "wp:base_blog_url" not in f:
        raise WxrError(
            _(
                "The file is an RSS feed, not a WordPress export (WXR): export it in "
                "WordPress under Tools → Export."
            )
        )
    authors = {}
    for author in f.get("wp:author[]", []):
        a = _fields(author)
        login = a.get("wp:author_login", "").strip()
        authors[login] = a.get("wp:author_display_name", "").strip() or login
    return WxrExport(
        title=f.get("title", "").strip(),
        link=f.get("link", "").strip(),
        base_blog_url=f.get("wp:base_blog_url", "").strip(),
        authors=authors,
        items=[_item(i) for i in f.get("item[]", [])],
    )
