"""Plain text written by members, turned into safe HTML for display."""

import re

import nh3
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# Links in member text are user-generated content: search engines must not credit
# them, and the opened page must not get a handle on ours.
UGC_LINK_REL = "nofollow ugc noopener"


def plain_text_to_html(text: str) -> SafeString:
    """Paragraphs and line breaks kept, URLs linked, every other character escaped.

    No HTML a member types survives as markup: `urlize(autoescape=True)` escapes all
    text around the links it makes, and nh3 then allows only p, br and http(s) or
    mailto links, setting their rel.
    """
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(normalised) if p.strip()]
    html = "".join(
        "<p>"
        + urlize(p, trim_url_limit=60, nofollow=False, autoescape=True).replace(
            "\n", "<br>"
        )
        + "</p>"
        for p in paragraphs
    )
    clean = nh3.clean(
        html,
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=UGC_LINK_REL,
    )
    return mark_safe(clean)  # noqa: S308 - escaped, then sanitised by nh3


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """A title or name as one line: every run of white space (line breaks, CR, tabs,
    Unicode line separators) becomes one space, other control characters go.

    A line break in a title would end an iCalendar content line or a mail header
    early, and show as a broken line in feed readers.
    """
    return _CONTROL.sub("", " ".join((text or "").split()))
