"""The Orga-Team's pages outside the admin: the dashboard, the door check-in on a
phone, writing to everyone coming, and the attendee list as a spreadsheet."""

import csv
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_POST,
    require_safe,
)

from accounts.models import member_of
from core.middleware import allow_features
from events.forms import CheckInCodeForm, CheckInForm, WalkInForm
from events.models import RSVP, Event, RSVPError, Segment
from events.models.audit import record
from events.models.orga import (
    CHECK_IN,
    EXPORT_ATTENDEES,
    MANAGE_EVENTS,
    WRITE_TO_MEMBERS,
    attendee_rows,
    door_list,
    event_at_the_door,
    walk_in_candidates,
)
from events.models.stats import Dashboard, with_attendance
from events.todo import to_do_list

View = Callable[..., HttpResponse]


def organizer_required(perm: str) -> Callable[[View], View]:
    """Visitors log in first; members without the Orga-Team's permission get 403,
    whatever URL they guess (checked before anything is looked up)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def get_event_for_orga(slug: str) -> Event:
    """Any event, drafts too: the caller has already checked the permission."""
    events = with_attendance(Event.objects.with_venue().with_rsvp_counts())
    return get_object_or_404(events, slug=slug)


@require_safe
@organizer_required(MANAGE_EVENTS)
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "dashboard": Dashboard.build(),
        "door_event": event_at_the_door(),
        "to_do": to_do_list(),
    }
    return render(request, "events/orga_dashboard.html", context)


# Door check-in --------------------------------------------------------------------


def checkin_url(event: Event, query: str = "", anchor: str = "") -> str:
    url = reverse("events:checkin", args=[event.slug])
    if query:
        url += "?" + urlencode({"q": query})
    return url + (f"#{anchor}" if anchor else "")


def search_query(data: Any) -> str:
    return " ".join(str(data.get("q", "")).split())[:80]


@require_safe
@organizer_required(CHECK_IN)
def checkin_tonight(request: HttpRequest) -> HttpResponse:
    event = event_at_the_door()
    if event is None:
        messages.info(request, _("There is no published date coming up."))
        return redirect("events:orga-dashboard")
    return redirect("events:checkin", slug=event.slug)


@require_safe
@allow_features("camera")
@organizer_required(CHECK_IN)
def checkin(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for_orga(slug)
    query = search_query(request.GET)
    rsvps = door_list(event, query)
    context = {
        "event": event,
        "query": query,
        "rsvps": rsvps,
        "walk_ins": walk_in_candidates(event, query),
        "is_today": timezone.localdate(event.starts_at) == timezone.localdate(),
        "can_write": request.user.has_perm(WRITE_TO_MEMBERS),
    }
    return render(request, "events/orga_checkin.html", context)


def wants_json(request: HttpRequest) -> bool:
    """Only checkin.js asks for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@organizer_required(CHECK_IN)
def checkin_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = get_event_for_orga(slug)
    rsvp = get_object_or_404(RSVP.objects.select_related("member"), event=event, pk=pk)
    rsvp.event = event
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    error = ""
    try:
        if form.cleaned_data["here"]:
            rsvp.check_in(by=member_of(request))
        else:
            rsvp.undo_check_in(by=member_of(request))
    except RSVPError as exc:
        error = exc.message
    return after_toggle(request, event, rsvp, error)


def after_toggle(
    request: HttpRequest, event: Event, rsvp: RSVP, error: str
) -> HttpResponse:
    """checkin.js gets the true state as JSON; a plain form post goes back to the
    list, at the person just tapped."""
    if wants_json(request):
        if error:
            return JsonResponse({"error": error}, status=409)
        here = event.rsvps.filter(checked_in_at__isnull=False).count()
        return JsonResponse({"here": rsvp.is_checked_in, "here_count": here})
    if error:
        messages.error(request, error)
    anchor = f"member-{rsvp.member_id}"
    return redirect(checkin_url(event, search_query(request.POST), anchor))


@require_POST
@organizer_required(CHECK_IN)
def checkin_code(request: HttpRequest, slug: str) -> HttpResponse:
    """A member's QR code, scanned by checkin-scan.js (JSON) or typed by a
    hand scanner into the form (redirect with a message)."""
    event = get_event_for_orga(slug)
    form = CheckInCodeForm(request.POST)
    status, note, member_id = 200, "", None
    if not form.is_valid():
        status, note = 400, str(form.errors["code"][0])
    else:
        try:
            result = event.check_in_by_code(
                form.cleaned_data["code"], by=member_of(request)
            )
        except RSVPError as exc:
            status, note = 409, exc.message
        else:
            member = result.rsvp.member
            member_id = member.pk
            name = member.greeting_name or member.email
            if result.is_new:
                note = _("%(name)s is checked in. Welcome!") % {"name": name}
            else:
                note = _("%(name)s is already here (checked in at %(time)s).") % {
                    "name": name,
                    "time": timezone.localtime(result.rsvp.checked_in_at).strftime(
                        "%H:%M"
                    ),
                }
    if wants_json(request):
        data: dict[str, Any] = {"message": note, "ok": status == 200}
        if status == 200:
            data["new"] = result.is_new
            data["member"] = member_id
            data["here_count"] = event.rsvps.filter(checked_in_at__isnull=False).count()
        return JsonResponse(data, status=status)
    if status == 200:
        messages.success(request, note)
    else:
        messages.error(request, note)
    return redirect(
        checkin_url(event, anchor=f"member-{member_id}" if member_id else "")
    )


@require_POST
@organizer_required(CHECK_IN)
def checkin_walk_in(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for_orga(slug)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["member"][0]))
        return redirect(checkin_url(event, search_query(request.POST)))
    member = form.cleaned_data["member"]
    try:
        event.admit_at_door(member, by=member_of(request))
    except RSVPError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is checked in.") % {"name": member})
    anchor = f"member-{member.pk}"
    return redirect(checkin_url(event, search_query(request.POST), anchor))


# The waiting list, moved up by hand -----------------------------------------------


@require_safe
@organizer_required(MANAGE_EVENTS)
def waiting_list(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for_orga(slug)
    waiting = event.rsvps.waiting().select_related("member__profile")
    context = {"event": event, "waiting": waiting}
    return render(request, "events/orga_waiting.html", context)


@require_POST
@organizer_required(MANAGE_EVENTS)
def move_up(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = get_event_for_orga(slug)
    rsvp = get_object_or_404(RSVP.objects.select_related("member"), event=event, pk=pk)
    try:
        event.move_up(rsvp, by=member_of(request))
    except RSVPError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s has a seat now and gets an e-mail.")
            % {"name": rsvp.member.display_name},
        )
    return redirect("events:orga-waiting", slug=event.slug)


# Writing to attendees: the composer (events.views.mailings), for this evening.


@require_safe
@organizer_required(WRITE_TO_MEMBERS)
def write_to_attendees(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    query = urlencode({"segment": Segment.GOING, "event": event.pk})
    return redirect(reverse("events:mailing-new") + "?" + query)


# The attendee list as a spreadsheet -----------------------------------------------

# Cells starting like a formula would run as one in Excel (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment: Any) -> str:
    """A time as spreadsheets sort it, in Berlin time; empty for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def attendees_csv_response(
    events: Iterable[Event] | QuerySet[Event], filename: str
) -> HttpResponse:
    """Going and waiting, with field and check-in, as CSV that Excel opens right:
    UTF-8 with a byte order mark (umlauts) and semicolons (German Excel)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Name"),
            _("E-mail"),
            _("Field of work"),
            _("Status"),
            _("Checked in"),
            _("Event"),
            _("Answered at"),
            _("Place on the waiting list"),
        ]
    )
    for rsvp in attendee_rows(events):
        profile = getattr(rsvp.member, "profile", None)
        checked_in = _local(rsvp.checked_in_at)
        writer.writerow(
            _cell(value)
            for value in [
                rsvp.member.display_name,
                rsvp.member.email,
                profile.get_field_display() if profile else "",
                rsvp.get_status_display(),
                checked_in,
                str(rsvp.event),
                _local(rsvp.created_at),
                rsvp.waiting_position or "",
            ]
        )
    return response


@require_safe
@organizer_required(EXPORT_ATTENDEES)
def attendees_csv(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for_orga(slug)
    record(member_of(request), event, _("Downloaded the attendee list (CSV)."))
    return attendees_csv_response([event], f"attendees-{event.slug}.csv")
