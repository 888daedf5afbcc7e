from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from accounts.models import shared_audience
from events.calendar import build_calendar
from events.models import Event
from somehub.lib import pagecache
from somehub.lib.pagecache import cache_for_visitors
from somehub.lib.pagination import LazyRows, paginate, plain_query

EVENTS_PER_PAGE = 10


def get_event_for(request: HttpRequest, slug: str) -> Event:
    """The event behind a URL, or 404: drafts exist for the Orga-Team only.

    The event and its counts are the same for every viewer: read once per
    generation of the site's content; the viewer's own RSVP is added to it.
    """
    event = pagecache.remember("event", slug, compute=lambda: _event_by_slug(slug))
    if event.is_draft and not request.user.has_perm("events.view_event"):
        raise Http404("No such event.")
    event.set_viewer(request.user)
    return event


def _event_by_slug(slug: str) -> Event:
    # Raises Http404 for a slug that does not exist, so that nothing is kept for it.
    # The recap comes along for the link to it (the text is not needed for that).
    events = (
        Event.objects.with_venue()
        .with_rsvp_counts()
        .select_related("recap")
        .defer("recap__lead", "recap__body")
    )
    return get_object_or_404(events, slug=slug)


class ComingUp:
    """The next four dates with the viewer's RSVPs, read only when the home page's
    content is rendered, not when it comes from the cache."""

    def __init__(self, viewer: Any) -> None:
        self.viewer = viewer

    @cached_property
    def events(self) -> list[Event]:
        return list(
            Event.objects.published()
            .upcoming()
            .with_venue()
            .with_rsvp_counts()
            .with_viewer_rsvp(self.viewer)[:4]
        )

    @property
    def next_event(self) -> Event | None:
        return self.events[0] if self.events else None

    @property
    def later_events(self) -> list[Event]:
        return self.events[1:]


@require_safe
@cache_for_visitors()
def home(request: HttpRequest) -> HttpResponse:
    context = {"coming_up": ComingUp(request.user), "viewer_key": request.user.pk}
    return render(request, "events/home.html", context)


@require_safe
@cache_for_visitors(params=("page",))
def event_list(request: HttpRequest) -> HttpResponse:
    def events() -> QuerySet[Event]:
        upcoming = Event.objects.published().upcoming().with_venue()
        return upcoming.with_rsvp_counts().with_viewer_rsvp(request.user)

    # Counted once per generation; the rows are read only when the list is
    # rendered, not when a member's list comes from the cache.
    count = pagecache.remember(
        "upcoming-count", "all", compute=lambda: events().count()
    )
    page = paginate(request, LazyRows(events, count), EVENTS_PER_PAGE)
    plain = plain_query(request)
    context = {"page": page, "list_key": (request.user.pk or "-") if plain else None}
    return render(request, "events/event_list.html", context)


@require_safe
@cache_for_visitors()
def event_archive(request: HttpRequest) -> HttpResponse:
    events = Event.objects.published().past().with_venue()
    return render(request, "events/event_archive.html", {"events": events})


@require_safe
@cache_for_visitors()
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for(request, slug)
    # Who is coming looks the same to every visitor and to every ordinary member,
    # so that part of the page is shared and cached (None: this viewer sees more).
    audience = shared_audience(request.user)
    viewer = audience[1] if audience else request.user
    context = {
        "event": event,
        "who_is_coming": SimpleLazyObject(lambda: event.who_is_coming(viewer)),
        "audience": audience[0] if audience else None,
    }
    return render(request, "events/event_detail.html", context)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for(request, slug)
    return _ics_response(build_calendar([event], event.title), f"{event.slug}.ics")


@require_safe
@cache_control(max_age=900, public=True)
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """All published dates, from the last three months on, for subscribing."""
    since = timezone.now() - timedelta(days=90)
    events = Event.objects.published().filter(ends_at__gte=since).with_venue()
    body = build_calendar(events.order_by("starts_at"), settings.SITE_NAME)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="somehub.ics"'
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    # The admin is not named here: robots.txt is public, and a configured
    # DJANGO_ADMIN_URL is meant not to be guessed. Its pages say noindex themselves.
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        "Disallow: /i18n/",
        "Disallow: /me/",
        "Disallow: /orga/",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
