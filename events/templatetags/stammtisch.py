"""Template filters for dates and structured data."""

import json
import re
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from events.calendar import google_calendar_url, outlook_calendar_url
from events.forms import RSVPByEmailForm
from events.models import Event
from somehub.lib.dates import format_local

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def longdate(value: datetime | None) -> str:
    """ "Dienstag, 27. September 2016" / "Tuesday, 27 September 2016"."""
    return format_local(value, "long") if value else ""


@register.filter
def daymonth(value: datetime | None) -> str:
    """ "Dienstag, 29. Dezember" / "Tuesday, 29 December": for e-mail subjects."""
    return format_local(value, "day") if value else ""


@register.filter
def mediumdate(value: datetime | None) -> str:
    return format_local(value, "medium") if value else ""


@register.filter
def clocktime(value: datetime | None) -> str:
    """ "19:00 Uhr" / "7:00 PM"."""
    return format_local(value, "time") if value else ""


@register.simple_tag
def jsonld(data: dict[str, Any]) -> SafeString:
    """A schema.org JSON-LD block; the JSON is escaped so it cannot end the tag."""
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(  # noqa: S308 - payload is escaped JSON
        f'<script type="application/ld+json">{payload}</script>'
    )


@register.filter
def initials_of(name: str) -> str:
    words = [w for w in str(name).replace("-", " ").split() if w[:1].isalnum()]
    return escape("".join(w[0] for w in words[:2]).upper() or str(name)[:1].upper())


@register.simple_tag
def rsvp_email_form() -> RSVPByEmailForm:
    """An empty "I'm coming" form for visitors (the same for all of them)."""
    return RSVPByEmailForm()


@register.simple_tag
def calendar_links(event: Event) -> list[tuple[str, str]]:
    """Web calendars that take the evening by a plain link, as (name, URL)."""
    return [
        ("Google Calendar", google_calendar_url(event)),
        ("Outlook.com", outlook_calendar_url(event)),
        ("Microsoft 365", outlook_calendar_url(event, host="outlook.office.com")),
    ]


# A gender colon, star or underscore before "in"/"innen" ("Markenbotschafter:innen").
_GENDER_MARK = re.compile(r"(?<=\w)([:*_])(?=in(?:nen)?\b)")


@register.filter(needs_autoescape=True)
def soft_breaks(text: str, autoescape: bool = True) -> SafeString:
    """Let a narrow line break after a gender mark. Without it, "Markenbotschafter:
    innen:" counts as one word and, wider than a phone's line, is cut anywhere
    (e.g. before the colon that ends it)."""
    escaped = escape(text) if autoescape else str(text)
    return mark_safe(_GENDER_MARK.sub(r"\1<wbr>", escaped))  # noqa: S308 - escaped
