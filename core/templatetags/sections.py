"""{% sections "name" obj %}: what later apps add to an earlier app's page.

Dependencies between the apps run one way (accounts ← events ← impulses), yet an
event page shows the evening's Impulse agenda. So a page names a place, and any
app whose AppConfig lists a function for it in `page_sections` ({"event":
"impulses.sections.agenda"}) puts that function's HTML there, in the order of
INSTALLED_APPS, the way the member-data export collects each app's part. The page
needs to know no app that fills it.

Places: "home" (the next evening or None), "event" (an evening), "recap" (the
evening of a recap), "profile" (a member's profile).
"""

from typing import Any

from django import template
from django.apps import apps
from django.utils.html import conditional_escape
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def sections(name: str, obj: Any) -> SafeString:
    parts = []
    for config in apps.get_app_configs():
        path = getattr(config, "page_sections", {}).get(name)
        if path is not None:
            parts.append(conditional_escape(import_string(path)(obj)))
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped or safe
