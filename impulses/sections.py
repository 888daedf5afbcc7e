"""The Impulse programme on other apps' pages, put there through the `{% sections %}`
hook (core/templatetags/sections.py; ImpulsesConfig names these). Each costs at
most one query. The parts on event, home and recap pages are the same for every
viewer and change only with the data: each is a shared piece (core/pagecache.py),
rendered once per generation and language.

- "event": the evening's agenda, on its page;
- "home": the next evening's Impuls, or an invitation to give one;
- "recap": what was presented that evening, with the slides;
- "profile": the Impulse a member has given.
"""

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Profile
from core.pagecache import shared_piece
from events.models import Event
from impulses.models import AgendaItem

FRAGMENTS = "impulses/agendaitem_fragments.html"


def _render(part: str, context: dict[str, Any]) -> SafeString:
    html = render_to_string(f"{FRAGMENTS}#{part}", context)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine


def agenda(event: Event) -> SafeString:
    """The whole agenda of one evening, in order."""
    return shared_piece(f"{FRAGMENTS}#agenda", _agenda, event=event)


def _agenda(event: Event) -> dict[str, Any]:
    items = list(AgendaItem.objects.filter(event=event).for_display())
    return {"event": event, "items": items}


def next_impuls(event: Event | None) -> SafeString:
    """The talks of the next evening, or an invitation to give one."""
    return shared_piece(f"{FRAGMENTS}#next-impuls", _next_impuls, event=event)


def _next_impuls(event: Event | None) -> dict[str, Any]:
    if event is None or event.is_cancelled:
        return {"event": None, "talks": []}
    talks = list(AgendaItem.objects.filter(event=event).talks().for_display())
    return {"event": event, "talks": talks}


def presented(event: Event) -> SafeString:
    """What was presented on an evening, with links to the slides."""
    return shared_piece(f"{FRAGMENTS}#presented", _presented, event=event)


def _presented(event: Event) -> dict[str, Any]:
    talks = list(AgendaItem.objects.filter(event=event).talks().for_display())
    return {"event": event, "talks": talks}


def given(profile: Profile) -> SafeString:
    """The Impulse a member has given. Rendered for each request, not shared: a talk
    counts as given from its own start, a moment the page cache's schedule does not
    know (it knows when evenings start and end)."""
    talks = list(
        AgendaItem.objects.filter(
            speaker_id=profile.user_id, starts_at__lte=timezone.now()
        )
        .on_published_events()
        .select_related("event", "proposal")
        .order_by("-starts_at")
    )
    return _render("given", {"talks": talks})


def _talks_for_mail(event: Event) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(event=event).talks().for_display())


def announcement_html(event: Event) -> SafeString:
    """The evening's Impulse in the announcement mail (HTML part)."""
    talks = _talks_for_mail(event)
    if not talks:
        return mark_safe("")
    return _render("announcement-html", {"talks": talks})


def announcement_text(event: Event) -> SafeString:
    """The evening's Impulse in the announcement mail (text part: not escaped,
    the mail's text part is plain text)."""
    talks = _talks_for_mail(event)
    if not talks:
        return mark_safe("")
    text = render_to_string(f"{FRAGMENTS}#announcement-text", {"talks": talks})
    return mark_safe(text)  # noqa: S308 - plain text for a text/plain part
