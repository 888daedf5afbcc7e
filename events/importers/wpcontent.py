"""A WordPress post's content, turned into the HTML a recap keeps.

WordPress stores what the author typed and builds the page when it is shown:
paragraphs from blank lines (`wpautop`, only for classic-editor posts), shortcodes
(`[caption]`, `[gallery]`, `[embed]`, …) and embeds from URLs on a line of their
own. This module does the same once, at import:

- captions become figure/figcaption, galleries a grid of the imported photos,
  embeds, videos, audio and frames a plain link (nothing plays from elsewhere);
  other shortcodes are dropped and their text kept;
- pictures from the old blog become references to the attachment
  (`wp-attachment:<key>/<size>`), which `link_photos` later swaps for the imported
  photo, or removes when there is no local copy; pictures from other sites go;
- scripts, styles, frames and event handlers never survive (nh3 cleans it all).
"""

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _

from events.importers.wxr import WxrExport, WxrItem
from somehub.lib.richtext import clean_rich_html, photo_reference

ATTACHMENT_SCHEME = "wp-attachment"
VOID_TAGS = {
    "area",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "source",
    "track",
    "wbr",
}
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")
_SIZE_SUFFIX = re.compile(r"-(?:\d+x\d+|scaled|rotated|e\d{10,})(?=\.[a-z0-9]+$)", re.I)


# Attachments ------------------------------------------------------------------


@dataclass
class Attachment:
    """A picture of the old blog: an attachment of the export, or a file in the
    uploads folder that a post shows without one. `key` names it for good."""

    key: str
    path: str  # relative to wp-content/uploads
    title: str = ""
    alt: str = ""
    caption: str = ""
    parent_id: str = ""
    menu_order: int = 0
    # Other sizes of the same picture the posts show (the file may only exist so).
    variants: list[str] = field(default_factory=list)

    @property
    def alt_text(self) -> str:
        text = self.alt or strip_tags(self.caption) or self.title
        return text or self.path.rsplit("/", 1)[-1]

    def candidate_paths(self) -> list[str]:
        return [self.path, *[v for v in self.variants if v != self.path]]


def uploads_path(url: str, hosts: set[str]) -> str | None:
    """The path of a picture of the old blog relative to wp-content/uploads, or
    None for anything else (a picture on another site)."""
    try:
        parts = urlsplit(html.unescape(url.strip()))
    except ValueError:
        return None
    host = (parts.hostname or "").casefold()
    path = unquote(parts.path)
    if host.endswith(".wp.com") and host.startswith("i"):  # Jetpack's image CDN
        host, _slash, path = path.lstrip("/").partition("/")
        path = "/" + path
    own = not host or host in hosts or host.endswith(".files.wordpress.com")
    if not own:
        return None
    if "/wp-content/uploads/" in path:
        return path.split("/wp-content/uploads/", 1)[1]
    if host.endswith(".files.wordpress.com"):
        return path.lstrip("/")
    return None


class AttachmentIndex:
    """The export's pictures, found by id, by file path and by their pages."""

    def __init__(self, export: WxrExport) -> None:
        self.hosts = export.hosts
        self.by_key: dict[str, Attachment] = {}
        self.by_path: dict[str, Attachment] = {}
        self.by_page: dict[str, Attachment] = {}
        for item in export.items:
            if item.type != "attachment":
                continue
            path = item.meta.get("_wp_attached_file", "").strip() or (
                uploads_path(item.attachment_url, self.hosts) or ""
            )
            if not path.casefold().endswith(IMAGE_EXTENSIONS):
                continue
            attachment = Attachment(
                key=item.id,
                path=path,
                title=strip_tags(item.title),
                alt=item.meta.get("_wp_attachment_image_alt", "").strip(),
                caption=item.excerpt.strip(),
                parent_id=item.parent_id,
                menu_order=item.menu_order,
            )
            self.by_key[item.id] = attachment
            self.by_path.setdefault(path.casefold(), attachment)
            if item.link:
                self.by_page[_page_key(item.link)] = attachment

    def for_url(self, url: str) -> Attachment | None:
        """The attachment a picture URL of the old blog shows (any of its sizes);
        a picture without an attachment is known by its file."""
        path = uploads_path(url, self.hosts)
        if path is None or not path.casefold().endswith(IMAGE_EXTENSIONS):
            return None
        original = _SIZE_SUFFIX.sub("", path)
        found = self.by_path.get(path.casefold()) or self.by_path.get(
            original.casefold()
        )
        if found is None:
            # A size WordPress made of it stands for the original file.
            found = Attachment(key=f"file:{original}", path=original)
            self.by_key[found.key] = found
            self.by_path[original.casefold()] = found
        if path != found.path and path not in found.variants:
            found.variants.append(path)
        return found

    def for_page(self, url: str) -> Attachment | None:
        """The attachment whose page on the old blog a link goes to."""
        if not url.strip().casefold().startswith(("http://", "https://", "/")):
            return None
        host = (urlsplit(url).hostname or "").casefold()
        if host and host not in self.hosts:
            return None
        return self.by_page.get(_page_key(url))

    def children_of(self, post_id: str) -> list[Attachment]:
        return sorted(
            (
                a
                for a in self.by_key.values()
                if a.parent_id == post_id and not a.key.startswith("file:")
            ),
            key=lambda a: (a.menu_order, int(a.key) if a.key.isdigit() else 0),
        )


def _page_key(url: str) -> str:
    parts = urlsplit(url.strip())
    return unquote(parts.path).strip("/").casefold() + (
        f"?{parts.query}" if parts.query else ""
    )


def attachment_reference(key: str, size: str) -> str:
    return f"{ATTACHMENT_SCHEME}:{key}/{size}"


_ATTACHMENT_REFERENCE = re.compile(
    rf"{ATTACHMENT_SCHEME}:(.+)/(original|display|medium|thumbnail)"
)


# Shortcodes ---------------------------------------------------------------------

# WordPress's own shortcode pattern (get_shortcode_regex), for any tag name.
_SHORTCODE = re.compile(
    r"\[(\[?)([a-zA-Z0-9_-]+)(?![\w-])([^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(/)\]|\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?)(\]?)"
)
_ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)"""
    r"""|(\S+)(?:\s|$)"""
)
_MEDIA_ATTRIBUTES = ("src", "mp4", "m4v", "webm", "ogv", "mp3", "m4a", "ogg", "wav")


def shortcode_attributes(text: str) -> tuple[dict[str, str], list[str]]:
    named: dict[str, str] = {}
    positional: list[str] = []
    for m in _ATTRIBUTE.finditer(html.unescape(text.replace("\xa0", " "))):
        if m[1]:
            named[m[1].casefold()] = m[2]
        elif m[3]:
            named[m[3].casefold()] = m[4]
        elif m[5]:
            named[m[5].casefold()] = m[6]
        else:
            value = m[7] or m[8] or m[9] or ""
            if value:
                positional.append(value)
    return named, positional


def _link(url: str, text: str = "") -> str:
    url = url.strip()
    if not re.match(r"^https?://", url, re.I):
        return html.escape(text)
    return f'<a href="{html.escape(url)}">{html.escape(text or url)}</a>'


# Converting ---------------------------------------------------------------------


@dataclass
class Converted:
    html: str
    attachments: list[str]  # keys, in order of appearance
    notes: list[str]


class ContentConverter:
    """Turns one post's content into recap HTML with attachment references."""

    def __init__(
        self,
        index: AttachmentIndex,
        post: WxrItem,
        post_link: Callable[[str], str | None],
    ) -> None:
        self.index = index
        self.post = post
        self.post_link = post_link
        self.attachments: list[str] = []
        self.notes: list[str] = []

    def convert(self, content: str) -> Converted:
        text = re.sub(r"<!--\s*(more|nextpage|noteaser)\b.*?-->", "\n\n", content or "")
        text = self._shortcodes(text)
        text = _autoembed(text)
        if "<!-- wp:" not in text:
            text = wpautop(text)
        rewriter = _Rewriter(self)
        rewriter.feed(text)
        rewriter.close()
        return Converted(rewriter.output(), self.attachments, self.notes)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def use(self, attachment: Attachment) -> None:
        if attachment.key not in self.attachments:
            self.attachments.append(attachment.key)

    # Shortcodes, one tag at a time, innermost text kept.

    def _shortcodes(self, text: str) -> str:
        def replace(m: re.Match[str]) -> str:
            if m[1] == "[" and m[6] == "]":  # [[caption]] is the literal text
                return m[0][1:-1]
            tag, attributes, inner = m[2].casefold(), m[3] or "", m[5]
            named, positional = shortcode_attributes(attributes)
            if tag in ("caption", "wp_caption"):
                return self._caption(named, inner or "")
            if tag == "gallery":
                return self._gallery(named)
            if tag == "embed":
                return f"\n\n<p>{_link((inner or '').strip())}</p>\n\n"
            if tag in ("video", "audio"):
                url = next(
                    (named[a] for a in _MEDIA_ATTRIBUTES if named.get(a)),
                    positional[0] if positional else "",
                )
                self.note(_("A player was turned into a link: %(url)s") % {"url": url})
                return f"\n\n<p>{_link(url)}</p>\n\n"
            if not attributes.strip() and inner is None and m[4] is None:
                return m[0]  # "[sic]", "[1]": text in brackets, not a shortcode
            self.note(_("Shortcode [%(tag)s] left out.") % {"tag": m[2]})
            return self._shortcodes(inner) if inner else ""

        return _SHORTCODE.sub(replace, text)

    def _caption(self, named: dict[str, str], inner: str) -> str:
        inner = self._shortcodes(inner)
        match = re.match(
            r"\s*((?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?)(.*)$", inner, re.S | re.I
        )
        if match is None:
            return inner
        caption = named.get("caption") or match[2].strip()
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f"\n\n<figure>{match[1]}{figcaption}</figure>\n\n"

    def _gallery(self, named: dict[str, str]) -> str:
        ids = [
            i.strip()
            for i in (named.get("ids") or named.get("include") or "").split(",")
        ]
        ids = [i for i in ids if i]
        if ids:
            found = [self.index.by_key.get(i) for i in ids]
            attachments = [a for a in found if a is not None]
            if len(attachments) < len(ids):
                self.note(_("A gallery names pictures that are not in the export."))
        else:
            exclude = {i.strip() for i in named.get("exclude", "").split(",")}
            attachments = [
                a for a in self.index.children_of(self.post.id) if a.key not in exclude
            ]
        if not attachments:
            return ""
        items = []
        for attachment in attachments:
            self.use(attachment)
            full = attachment_reference(attachment.key, "display")
            thumb = attachment_reference(attachment.key, "thumbnail")
            items.append(
                f'<li><a href="{full}"><img src="{thumb}" '
                f'alt="{html.escape(attachment.alt_text)}" width="480" height="480" '
                f'loading="lazy"></a></li>'
            )
        return f'\n\n<ul class="gallery">{"".join(items)}</ul>\n\n'


def _autoembed(text: str) -> str:
    """A URL alone on its line was an embed (a video, a post elsewhere): a link."""
    return re.sub(
        r"^(\s*)(https?://[^\s<>\"']+)(\s*)$",
        lambda m: f"{m[1]}<p>{_link(html.unescape(m[2]))}</p>{m[3]}",
        text,
        flags=re.M,
    )


class _Rewriter(HTMLParser):
    """Pictures to attachment references, players and frames to links, links to
    old posts to the new recaps; everything else passed on for nh3 to clean."""

    # Their content is not text a reader should see.
    DROPPED = {"script", "style", "template", "noscript", "object", "svg", "math"}
    PLAYERS = {"video", "audio", "iframe", "embed"}

    def __init__(self, converter: ContentConverter) -> None:
        super().__init__(convert_charrefs=True)
        self.c = converter
        self.out: list[str] = []
        self.dropping: list[str] = []
        self.player: dict[str, str] | None = None
        self.player_tag = ""
        # Inside a block-editor gallery: its open tags and what closes each.
        self.gallery: list[tuple[str, str]] = []
        self.links = 0  # open <a> elements

    def output(self) -> str:
        return "".join(self.out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.casefold(): v or "" for k, v in attrs}
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.append(tag)
            return
        if tag in self.DROPPED:
            self.c.note(_("Embedded content (<%(tag)s>) was left out.") % {"tag": tag})
            self.dropping.append(tag)
            return
        if self.player is not None:
            if tag == "source" and not self.player.get("src"):
                self.player["src"] = values.get("src", "")
            return
        if tag in self.PLAYERS:
            if tag == "embed":
                self._player_link(values.get("src", ""))
                return
            self.player, self.player_tag = dict(values), tag
            return
        if tag == "img":
            self._img(values)
            return
        if tag == "a":
            values = self._a(values)
            self.links += 1
        if self._gallery_start(tag, values):
            return
        self.out.append(_start_tag(tag, values.items()))

    def _gallery_start(self, tag: str, values: dict[str, str]) -> bool:
        """The block editor's galleries (a figure of figures, or of a list) become
        the site's photo grid; their captions do not fit under a thumbnail."""
        classes = values.get("class", "").split()
        if not self.gallery:
            if tag == "figure" and "wp-block-gallery" in classes:
                self.out.append('<ul class="gallery">')
                self.gallery.append((tag, "</ul>"))
                return True
            return False
        if tag in VOID_TAGS:
            return False
        if tag == "figcaption":
            self.dropping.append(tag)
            return True
        parent = self.gallery[-1][0]
        if tag == "ul" or (tag == "figure" and parent == "li"):
            self.gallery.append((tag, ""))
            return True
        if tag in ("li", "figure"):
            self.out.append("<li>")
            self.gallery.append((tag, "</li>"))
            return True
        self.gallery.append((tag, f"</{tag}>"))
        return False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self.PLAYERS or tag in self.DROPPED:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if self.player is not None:
            if tag == self.player_tag:
                self._player_link(self.player.get("src", ""))
                self.player = None
            return
        if tag == "a":
            self.links = max(self.links - 1, 0)
        if self.gallery and self.gallery[-1][0] == tag:
            self.out.append(self.gallery.pop()[1])
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping and self.player is None:
            self.out.append(html.escape(data, quote=False))

    def _player_link(self, url: str) -> None:
        if url:
            self.c.note(_("A player was turned into a link: %(url)s") % {"url": url})
            self.out.append(f"<p>{_link(url)}</p>")

    def _img(self, values: dict[str, str]) -> None:
        src = values.get("src", "")
        if src.startswith(f"{ATTACHMENT_SCHEME}:"):
            self.out.append(_start_tag("img", values.items()))
            return
        attachment = self.c.index.for_url(src)
        if attachment is None:
            match = re.search(r"\bwp-image-(\d+)\b", values.get("class", ""))
            attachment = self.c.index.by_key.get(match[1]) if match else None
            if attachment is not None and uploads_path(src, self.c.index.hosts) is None:
                attachment = None
        if attachment is None:
            self.c.note(
                _("A picture from another site was left out: %(url)s") % {"url": src}
            )
            return
        self.c.use(attachment)
        if not attachment.alt and values.get("alt"):
            # A file without an attachment entry: the text describes it.
            attachment.alt = values["alt"].strip()
        alt = values.get("alt") or attachment.alt_text
        size = [("width", "480"), ("height", "480")] if self.gallery else []
        # In the grid every thumbnail leads to the photo, as on the recap's own.
        linked = bool(self.gallery) and not self.links
        if linked:
            self.out.append(
                _start_tag(
                    "a", [("href", attachment_reference(attachment.key, "display"))]
                )
            )
        self.out.append(
            _start_tag(
                "img",
                [
                    (
                        "src",
                        attachment_reference(
                            attachment.key, "thumbnail" if self.gallery else "display"
                        ),
                    ),
                    ("alt", alt),
                    *size,
                    ("loading", "lazy"),
                ],
            )
        )
        if linked:
            self.out.append("</a>")

    def _a(self, values: dict[str, str]) -> dict[str, str]:
        href = values.get("href", "")
        attachment = self.c.index.for_page(href)
        if attachment is None and href.casefold().endswith(IMAGE_EXTENSIONS):
            attachment = self.c.index.for_url(href)
        if attachment is not None:
            self.c.use(attachment)
            return {"href": attachment_reference(attachment.key, "display")}
        new = self.c.post_link(href) if href else None
        if new is not None:
            return {**values, "href": new}
        return values


def _start_tag(tag: str, attributes: Iterable[tuple[str, str]]) -> str:
    attrs = "".join(
        f' {name}="{html.escape(value)}"' for name, value in attributes if name
    )
    return f"<{tag}{attrs}>"


def link_photos(
    text: str, photos: dict[str, int], missing: Callable[[str], None]
) -> str:
    """Swap attachment references for the imported photos; a picture without a
    photo goes (a link to it keeps its text). Then clean the whole text."""

    def photo_for(reference: str) -> str | None:
        match = _ATTACHMENT_REFERENCE.fullmatch(reference)
        if match is None:
            return None
        pk = photos.get(match[1])
        if pk is None:
            missing(match[1])
            return None
        return photo_reference(pk, match[2])

    def swap(m: re.Match[str]) -> str:
        reference = photo_for(html.unescape(m[2]))
        return f'{m[1]}="{reference}"' if reference else ""

    text = re.sub(rf'\b(src|href)="({ATTACHMENT_SCHEME}:[^"]*)"', swap, text)
    # Keep the photo references as they are: the page resolves them.
    text = str(clean_rich_html(text, lambda pk, size: photo_reference(pk, size)))
    return _tidy(text)


# What is left empty where a picture was left out, or by the block editor.
_EMPTY = [
    re.compile(r"<a\b[^>]*>\s*</a>"),
    re.compile(r"<li>\s*</li>"),
    re.compile(r'<ul class="gallery">\s*</ul>'),
    # A caption without its picture describes nothing.
    re.compile(
        r"<figure>\s*(?:<figcaption>(?:(?!</?figure).)*?</figcaption>)?\s*</figure>",
        re.S,
    ),
    re.compile(r"<p>\s*</p>"),
]


def _tidy(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        for pattern in _EMPTY:
            text = pattern.sub("", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def strip_tags(text: str) -> str:
    """Plain text of a bit of HTML (a title, an excerpt, a comment)."""
    text = re.sub(r"<(br|/p|/div|/li|/h[1-6]|/blockquote)\b[^>]*>", "\n", text or "")
    text = re.sub(r"<[^>]*>", "", text)
    return html.unescape(text).replace("\xa0", " ").strip()


def comment_text(content: str) -> str:
    """A comment's text as the site keeps comments: plain text, paragraphs kept,
    a link's address written out after its words."""

    def link(m: re.Match[str]) -> str:
        href, words = html.unescape(m[1]).strip(), strip_tags(m[2])
        if not href.casefold().startswith(("http://", "https://")):
            return words
        return words if words == href else f"{words} ({href})"

    text = re.sub(
        r"<a\s[^>]*?href\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a>",
        link,
        content or "",
        flags=re.S | re.I,
    )
    text = re.sub(r"<img\s[^>]*?alt\s*=\s*[\"']([^\"']*)[\"'][^>]*>", r"\1", text)
    text = strip_tags(text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# wpautop --------------------------------------------------------------------------

_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li"
    r"|pre|form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend"
    r"|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details"
    r"|menu|summary)"
)


def wpautop(text: str) -> str:
    """WordPress's wpautop(): paragraphs from blank lines, line breaks from single
    newlines, block elements left unwrapped (a port of wp-includes/formatting.php)."""
    if not text.strip():
        return ""
    text += "\n"
    pre_tags: dict[str, str] = {}
    if "<pre" in text:
        parts = text.split("</pre>")
        last = parts.pop()
        text = ""
        for i, part in enumerate(parts):
            start = part.find("<pre")
            if start == -1:
                text += part
                continue
            name = f"<pre wp-pre-tag-{i}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            text += part[:start] + name
        text += last
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = re.sub(rf"(<{_ALLBLOCKS}[\s/>])", r"\n\n\1", text)
    text = re.sub(rf"(</{_ALLBLOCKS}>)", r"\1\n\n", text)
    text = re.sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"<[^<>]*>", lambda m: m[0].replace("\n", " <!-- wpnl --> "), text)
    if "<figcaption" in text:
        text = re.sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = re.sub(r"</figcaption>\s*", "</figcaption>", text)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p]
    text = "".join(f"<p>{p.strip(chr(10))}</p>\n" for p in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(rf"<p>\s*(</?{_ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.I)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*(</?{_ALLBLOCKS}[^>]*>)", r"\1", text)
    text = re.sub(rf"(</?{_ALLBLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(
        r"<(script|style|svg|math).*?</\1>",
        lambda m: m[0].replace("\n", "<WPPreserveNewline />"),
        text,
        flags=re.S,
    )
    text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
    text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = text.replace("<WPPreserveNewline />", "\n")
    text = re.sub(rf"(</?{_ALLBLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(
        r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text
    )
    text = re.sub(r"\n</p>$", "</p>", text)
    for name, pre in pre_tags.items():
        text = text.replace(name, pre)
    return text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
