"""Recaps on other pages: the event page's link to its recap, and filters for
recap cards."""

from datetime import datetime
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from events.models import Event, Recap

register = template.Library()


@register.simple_tag
def recap_of(event: Event) -> Recap | None:
    """The published recap of an evening, if there is one (read with the event
    where it was selected with it)."""
    relation = Event._meta.get_field("recap")
    if relation.is_cached(event):
        recap = relation.get_cached_value(event)
        if isinstance(recap, Recap) and recap.is_published:
            return recap
        return None
    return Recap.objects.published().filter(event=event).only("slug", "title").first()


@register.filter
def profile_url(profile: Any) -> str:
    """The member's profile page, or "" (no profile, or no profile pages yet)."""
    if profile is None or not getattr(profile, "handle", ""):
        return ""
    try:
        return reverse("accounts:profile", kwargs={"handle": profile.handle})
    except NoReverseMatch:
        return ""


@register.filter
def isotime(value: datetime | None) -> str:
    """A machine-readable time for <time datetime>, to the second, Berlin offset."""
    if value is None:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()
