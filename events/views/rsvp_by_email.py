"""'I'm coming' without being logged in: an address on the event page, then a code.

1. The RSVP box of an event page (cached for every visitor, so without a CSRF
   token) posts the address to `rsvp_by_email`, which only takes posts from this
   site (`same_origin_only`) and is rate-limited per address and per IP.
2. We e-mail a code and a link. The code goes into the same box (`rsvp_code`, a
   personal page with a CSRF token); the link works in any browser (`rsvp_link`):
   opening it only shows one button, because mail programs open links to scan them.
3. Either proves the address: its owner is logged in (a new account if needed, in
   allauth's own way), the RSVP is made by the usual rules, and they land on the
   event with the answer in the RSVP box.
"""

from typing import Any, cast

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.adapter import AccountAdapter
from events.forms import RSVPByEmailForm, RSVPCodeForm
from events.models import Event, PendingRSVP, RSVPError
from events.views.pages import get_event_for
from events.views.rsvp import RSVP_MESSAGE_TAG, rsvp_message
from somehub.lib.csrf import same_origin_only

# The pending RSVP whose code this browser may type in (one at a time).
SESSION_KEY = "events.pending_rsvp"


def _box_url(event: Event) -> str:
    return event.get_absolute_url() + "#rsvp"


def _event_page(
    request: HttpRequest, event: Event, *, status: int = 200, **box: Any
) -> HttpResponse:
    """The event page with its RSVP box in the state `box` names (a form with its
    errors, the code step). Personal, so never one of the pages cached for all."""
    context = {
        "event": event,
        "who_is_coming": event.who_is_coming(request.user),
        "audience": None,
        **box,
    }
    return render(request, "events/event_detail.html", context, status=status)


@require_POST
@same_origin_only
def rsvp_by_email(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1: keep the wish to come and e-mail a code and a link."""
    event = get_event_for(request, slug)
    if not event.rsvp_is_open:
        messages.error(request, event.rsvp_closed_reason, extra_tags=RSVP_MESSAGE_TAG)
        return redirect(_box_url(event))
    form = RSVPByEmailForm(request.POST)
    if not form.is_valid():
        return _event_page(request, event, email_form=form, status=400)
    email = form.cleaned_data["email"]
    # Nobody may flood an inbox through this form: a few codes per address, and a
    # limit per IP (both in ACCOUNT_RATE_LIMITS["rsvp_by_email"]).
    if not ratelimit.consume(request, action="rsvp_by_email", key=email.lower()):
        form.add_error(
            None,
            gettext(
                "We have sent several codes already. Please look in your inbox "
                "(and the spam folder), or try again in a few minutes."
            ),
        )
        return _event_page(request, event, email_form=form, status=429)
    pending = PendingRSVP.start(
        event,
        email,
        name=form.cleaned_data["name"],
        language=translation.get_language() or "de",
        # A hybrid evening's choice; anything else means what the evening offers.
        attendance=str(request.POST.get("attendance", "")),
    )
    if not pending.send_code():
        form.add_error(
            None,
            gettext(
                "We could not send you the e-mail just now. Please try again in a "
                "few minutes."
            ),
        )
        return _event_page(request, event, email_form=form, status=503)
    request.session[SESSION_KEY] = pending.pk
    return redirect(reverse("events:rsvp-code", kwargs={"slug": slug}) + "#rsvp")


def _pending_in_session(request: HttpRequest, event: Event) -> PendingRSVP | None:
    pk = request.session.get(SESSION_KEY)
    if not isinstance(pk, int):
        return None
    return PendingRSVP.objects.filter(pk=pk, event=event).first()


@require_http_methods(["GET", "HEAD", "POST"])
def rsvp_code(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 2 on the same page: the code from the e-mail."""
    event = get_event_for(request, slug)
    pending = _pending_in_session(request, event)
    if pending is None or not pending.is_usable:
        return _start_again(request, event, pending)
    form = RSVPCodeForm(pending, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            return _accept(request, event, pending)
        if not pending.is_usable:  # that was the last wrong code
            return _start_again(request, event, pending)
    status = 400 if form.is_bound else 200
    return _event_page(request, event, pending=pending, code_form=form, status=status)


def _start_again(
    request: HttpRequest, event: Event, pending: PendingRSVP | None
) -> HttpResponse:
    """The code step is over (used, expired, too many wrong codes, never begun):
    back to the box, which asks for the address again."""
    request.session.pop(SESSION_KEY, None)
    if pending is not None and pending.used_at is not None:
        text = gettext("This code has been used already.")
    elif pending is not None and not pending.is_usable:
        text = gettext(
            "This code no longer works. Enter your address again and we send you "
            "a new one."
        )
    else:
        text = gettext("Enter your e-mail address and we send you a code.")
    messages.info(request, text, extra_tags=RSVP_MESSAGE_TAG)
    return redirect(_box_url(event))


@require_http_methods(["GET", "HEAD", "POST"])
def rsvp_link(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """Step 2 in any browser: the link from the e-mail. Mail programs open links
    to check them, so a GET only asks; the button on the page (a POST) answers."""
    pending = PendingRSVP.objects.for_link(token)
    if pending is None or pending.event.slug != slug:
        raise Http404("No such link.")
    event = get_event_for(request, slug)
    context = {"event": event, "pending": pending}
    if not pending.is_usable:
        return render(request, "events/rsvp_link.html", context, status=410)
    if request.method == "POST":
        return _accept(request, event, pending)
    return render(request, "events/rsvp_link.html", context)


def _accept(request: HttpRequest, event: Event, pending: PendingRSVP) -> HttpResponse:
    """The address is proven: log its owner in and make the RSVP, once."""
    accepted = pending.accept()
    if accepted is None:  # used a moment ago, e.g. by the other step
        return _start_again(request, event, pending)
    member, _created = accepted
    request.session.pop(SESSION_KEY, None)
    adapter = cast(AccountAdapter, get_adapter(request))
    response = adapter.log_in_by_code(
        request, member, pending.email, redirect_url=_box_url(event)
    )
    if request.user.pk != member.pk:  # allauth turned the login away
        return response
    try:
        rsvp = event.rsvp(member, pending.attendance)
    except RSVPError as exc:
        messages.error(request, exc.message, extra_tags=RSVP_MESSAGE_TAG)
    else:
        messages.success(
            request, rsvp_message(event, rsvp), extra_tags=RSVP_MESSAGE_TAG
        )
    return response
