"""Impulse on other apps' pages: each tag costs at most one query.

{% load impulses %}{% agenda_for event %}        event page: the evening's agenda
{% load impulses %}{% next_impuls next_event %}  home page: the next evening's Impuls
{% load impulses %}{% presented_at recap.event %} recap: what was presented, slides
{% load impulses %}{% impulse_given profile %}   profile: the Impulse a member gave
"""

from typing import Any

from django import template
from django.utils import timezone

from events.models import Event
from impulses.models import AgendaItem

register = template.Library()

FRAGMENTS = "impulses/agendaitem_fragments.html"


@register.inclusion_tag(f"{FRAGMENTS}#agenda")
def agenda_for(event: Event) -> dict[str, Any]:
    """The whole agenda of one evening, in order."""
    items = list(AgendaItem.objects.filter(event=event).for_display())
    return {"event": event, "items": items}


@register.inclusion_tag(f"{FRAGMENTS}#next-impuls")
def next_impuls(event: Event | None) -> dict[str, Any]:
    """The talks of the next evening, or an invitation to give one."""
    if event is None or event.is_cancelled:
        return {"event": None, "talks": []}
    talks = list(AgendaItem.objects.filter(event=event).talks().for_display())
    return {"event": event, "talks": talks}


@register.inclusion_tag(f"{FRAGMENTS}#presented")
def presented_at(event: Event) -> dict[str, Any]:
    """What was presented on an evening, with links to the slides."""
    talks = list(AgendaItem.objects.filter(event=event).talks().for_display())
    return {"event": event, "talks": talks}


@register.inclusion_tag(f"{FRAGMENTS}#given")
def impulse_given(member: Any) -> dict[str, Any]:
    """The Impulse a member has given; takes a user or a profile."""
    user_id = getattr(member, "user_id", None) or getattr(member, "pk", None)
    talks = list(
        AgendaItem.objects.filter(speaker_id=user_id, starts_at__lte=timezone.now())
        .on_published_events()
        .select_related("event", "proposal")
        .order_by("-starts_at")
    )
    return {"talks": talks}
