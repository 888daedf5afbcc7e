from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from accounts.models import ViewerKind
from core.pagecache import cache_for_visitors, shared_piece, shared_pieces
from events.calendar import build_calendar
from events.models import Event, Recap, note_rsvps
from somehub.lib.pagination import paginate

EVENTS_PER_PAGE = 10
# The home page's "Latest recaps".
LATEST_RECAPS = 3


def get_event_for(request: HttpRequest, slug: str) -> Event:
    """The event behind a URL with its counts and the viewer's RSVP, or 404:
    drafts exist for the Orga-Team only."""
    events = (
        Event.objects.with_venue()
        # The recap comes along for the link to it (its text is not needed).
        .select_related("recap")
        .defer("recap__lead", "recap__body")
    )
    event = get_object_or_404(events, slug=slug)
    if event.is_draft and not request.user.has_perm("events.view_event"):
        raise Http404("No such event.")
    note_rsvps([event], request.user)
    return event


@require_safe
@cache_for_visitors()
def home(request: HttpRequest) -> HttpResponse:
    upcoming = list(Event.objects.published().upcoming().with_venue()[:4])
    note_rsvps(upcoming, request.user)
    context = {
        "next_event": upcoming[0] if upcoming else None,
        "later_events": upcoming[1:],
        "later_cards": event_cards(upcoming[1:]),
        # The same for every viewer.
        "latest_recaps": shared_piece("events/recap_list.html#latest", latest_recaps),
    }
    return render(request, "events/home.html", context)


def latest_recaps() -> dict[str, Any]:
    recaps = Recap.objects.published().with_event().with_comment_counts()
    return {"recaps": list(recaps.newest_first()[:LATEST_RECAPS])}


@require_safe
@cache_for_visitors(params=("page",))
def event_list(request: HttpRequest) -> HttpResponse:
    events = Event.objects.published().upcoming().with_venue()
    page = paginate(request, events, EVENTS_PER_PAGE)
    page.object_list = list(page.object_list)
    note_rsvps(page.object_list, request.user)
    cards = event_cards(page.object_list, heading="h2")
    return render(request, "events/event_list.html", {"page": page, "cards": cards})


def event_cards(events: list[Event], heading: str = "h3") -> list[SafeString]:
    """The cards of upcoming dates with their counts and the viewer's answers
    (note_rsvps): a card is the same for every viewer who gave the
    same answer, so it is shared."""
    keys: list[dict[str, Any]] = [
        {
            "event": event,
            "heading": heading,
            "status": event.my_rsvp_status,
            "attendance": event.my_attendance,
            "position": event.my_waiting_position,
        }
        for event in events
    ]
    return shared_pieces("includes/event_card.html", event_card, keys)


def event_card(
    event: Event,
    heading: str,
    status: str | None,
    attendance: str | None,
    position: int | None,
) -> dict[str, Any]:
    """A card as a viewer with this answer sees it (the event with its counts)."""
    event.my_rsvp_status = status
    event.my_attendance = attendance
    event.my_waiting_position = position
    return {"event": event, "heading": heading}


@require_safe
@cache_for_visitors()
def event_archive(request: HttpRequest) -> HttpResponse:
    events = Event.objects.published().past().with_venue()
    return render(request, "events/event_archive.html", {"events": events})


@require_safe
@cache_for_visitors()
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The evening; below the RSVP box, what every viewer of a kind sees alike
    (description, agenda, who is coming, the recap) is a shared piece."""
    event = get_event_for(request, slug)
    context: dict[str, Any] = {"event": event}
    kind = ViewerKind.of(request.user)
    if kind is not None:
        context["details"] = shared_piece(
            "events/event_detail.html#event-details",
            event_details,
            event=event,
            kind=kind,
        )
    else:
        context["who_is_coming"] = event.who_is_coming(request.user)
    return render(request, "events/event_detail.html", context)


def event_details(event: Event, kind: str) -> dict[str, Any]:
    viewer = ViewerKind(kind).stand_in()
    return {"event": event, "who_is_coming": event.who_is_coming(viewer)}


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
