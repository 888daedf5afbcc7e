from datetime import timedelta

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from events.calendar import build_calendar
from events.models import Event

EVENTS_PER_PAGE = 10


def get_event_for(request: HttpRequest, slug: str) -> Event:
    """The event behind a URL, or 404: drafts exist for the Orga-Team only."""
    event = get_object_or_404(Event.objects.with_venue(), slug=slug)
    if event.is_draft and not request.user.has_perm("events.view_event"):
        raise Http404("No such event.")
    return event


def paginate(request: HttpRequest, items, per_page: int):
    """One page of items; a page number that does not exist is a 404."""
    paginator = Paginator(items, per_page)
    try:
        return paginator.page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("No such page.") from exc


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    upcoming = list(Event.objects.published().upcoming().with_venue()[:4])
    context = {
        "next_event": upcoming[0] if upcoming else None,
        "later_events": upcoming[1:],
    }
    return render(request, "events/home.html", context)


@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    events = Event.objects.published().upcoming().with_venue()
    page = paginate(request, events, EVENTS_PER_PAGE)
    return render(request, "events/event_list.html", {"page": page})


@require_safe
def event_archive(request: HttpRequest) -> HttpResponse:
    events = Event.objects.published().past().with_venue()
    return render(request, "events/event_archive.html", {"events": events})


@require_safe
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for(request, slug)
    context = {"event": event, "event_jsonld": event.structured_data()}
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
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /accounts/",
        "Disallow: /i18n/",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")

