"""Template filters for dates and structured data."""

import json
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from somehub.lib.dates import format_local

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def longdate(value: datetime | None) -> str:
    """ "Dienstag, 27. September 2016" / "Tuesday, 27 September 2016"."""
    return format_local(value, "long") if value else ""


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
