"""RSVPs: answering an event, freeing a seat from a reminder, "my events", my feed."""

import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.models import Profile, member_of
from events.calendar import build_calendar, webcal_url
from events.models import RSVP, Event, EventStatus, RSVPError, RSVPStatus
from events.models.rsvp import ANSWER_CHANGES, renew_calendar_token
from events.models.status import Attendance
from events.views.pages import get_event_for
from somehub.lib.dates import format_local

# secrets.token_urlsafe(32): 43 characters of [A-Za-z0-9_-].
CALENDAR_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
FEED_HISTORY = timedelta(days=90)


class RSVPForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            (RSVPStatus.GOING, _("I'm coming")),
            (RSVPStatus.NOT_GOING, _("I can't come")),
        ],
    )
    # On a hybrid evening: in person or online (else what the evening offers).
    attendance = forms.ChoiceField(
        label=_("How you take part"), choices=Attendance.choices, required=False
    )


# Messages about the visitor's answer are shown in the RSVP box, where they look
# (templates/base.html leaves them out of the list at the top of the page).
RSVP_MESSAGE_TAG = "rsvp"


def rsvp_message(event: Event, rsvp: RSVP) -> str:
    if rsvp.is_going and rsvp.is_online:
        return gettext(
            "You're in online! The link to the video call is here and in your "
            "confirmation e-mail."
        )
    if rsvp.is_going:
        return gettext("You're in! See you on %(date)s.") % {
            "date": format_local(event.starts_at, "long")
        }
    if rsvp.is_waiting:
        return gettext(
            "This Stammtisch is full, so you are number %(position)d on the waiting "
            "list. We will e-mail you as soon as a place is free for you."
        ) % {"position": rsvp.waiting_list_position()}
    return gettext("Thanks for letting us know that you can't come.")


@require_POST
def rsvp(request: HttpRequest, slug: str) -> HttpResponse:
    """Answer "I'm coming" or "I can't come" (which also cancels a seat)."""
    event = get_event_for(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_absolute_url())
    form = RSVPForm(request.POST)
    if not form.is_valid():
        raise BadRequest("Unknown RSVP answer.")
    try:
        with ANSWER_CHANGES.use(request.user):
            if form.cleaned_data["answer"] == RSVPStatus.GOING:
                answer = event.rsvp(
                    request.user, form.cleaned_data["attendance"] or None
                )
            else:
                answer = event.decline(request.user)
    except RSVPError as exc:
        messages.error(request, exc.message, extra_tags=RSVP_MESSAGE_TAG)
    else:
        messages.success(
            request, rsvp_message(event, answer), extra_tags=RSVP_MESSAGE_TAG
        )
    return redirect(event.get_absolute_url() + "#rsvp")


def _rsvp_from_token(slug: str, token: str) -> tuple[RSVP, str] | None:
    """The RSVP behind a reminder link and the version it was made for; None when
    the link expired; 404 if forged."""
    try:
        rsvp, version = RSVP.from_free_seat_token(token)
    except signing.SignatureExpired:
        return None
    except signing.BadSignature as exc:
        raise Http404("No such link.") from exc
    if rsvp.event.slug != slug or rsvp.event.is_draft:
        raise Http404("No such link.")
    return rsvp, version


@require_http_methods(["GET", "HEAD", "POST"])
def free_seat(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The reminder's "free my seat" link: a GET asks, only the POST cancels.

    The link works once, for the RSVP it was made for: after a new "I'm coming"
    it no longer cancels (410, with a way to cancel on the event page).
    """
    found = _rsvp_from_token(slug, token)
    if found is None:
        return render(request, "events/rsvp_confirm_cancel.html", {}, status=410)
    rsvp, version = found
    event = rsvp.event
    replaced = rsvp.is_active and rsvp.version != version
    if request.method == "POST":
        try:
            rsvp.free_seat(version)
        except RSVPError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, gettext("Your seat is free again. Thanks for letting us know!")
            )
        return redirect(event.get_absolute_url())
    context = {"rsvp": rsvp, "event": event, "token": token, "replaced": replaced}
    status = 410 if replaced else 200
    return render(request, "events/rsvp_confirm_cancel.html", context, status=status)


@require_safe
@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    # The logged-in member comes with their profile (accounts.backends).
    profile = getattr(request.user, "profile", None)
    feed_url = webcal = ""
    if profile is not None and profile.calendar_token:
        # From SITE_URL like every absolute link: the Host header is the client's.
        feed_path = reverse(
            "events:personal-feed", kwargs={"token": profile.calendar_token}
        )
        feed_url, webcal = settings.SITE_URL + feed_path, webcal_url(feed_path)
    rsvps = RSVP.objects.filter(member=member_of(request)).exclude(
        event__status=EventStatus.DRAFT
    )
    context = {
        "upcoming": rsvps.upcoming()
        .select_related("event__venue")
        .with_waiting_position(),
        # A line each: only what the line shows (a long list of long texts else).
        "past": rsvps.going()
        .past()
        .select_related("event")
        .only("event__title", "event__slug", "event__starts_at", "event__status"),
        "profile": profile,
        "feed_url": feed_url,
        "webcal_url": webcal,
    }
    return render(request, "events/rsvp_list.html", context)


@require_POST
@login_required
def calendar_link(request: HttpRequest) -> HttpResponse:
    """Create the personal calendar link, or replace it (the old one stops working)."""
    profile = get_object_or_404(Profile, user=request.user)
    had_link = bool(profile.calendar_token)
    renew_calendar_token(profile)
    if had_link:
        messages.success(
            request,
            gettext("Here is your new calendar link. The old one no longer works."),
        )
    else:
        messages.success(request, gettext("Your personal calendar link is ready."))
    return redirect(reverse("events:my-events") + "#calendar")


@require_safe
@cache_control(private=True, max_age=900)
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The events a member is going to, for their phone's calendar app."""
    if not CALENDAR_TOKEN_RE.match(token):
        raise Http404("No such calendar.")
    profile = get_object_or_404(Profile, calendar_token=token)
    events = (
        Event.objects.published()
        .filter(
            rsvps__member_id=profile.user_id,
            rsvps__status=RSVPStatus.GOING,
            ends_at__gte=timezone.now() - FEED_HISTORY,
        )
        .with_venue()
        .order_by("starts_at")
    )
    online = RSVP.objects.going().filter(
        member_id=profile.user_id, attendance=Attendance.ONLINE
    )
    with translation.override(profile.preferred_language):
        name = gettext("My #SoMe Stammtisch dates")
    response = HttpResponse(
        build_calendar(
            events, name, online_for=online.values_list("event_id", flat=True)
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="my-stammtisch.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
