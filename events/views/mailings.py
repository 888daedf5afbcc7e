"""The Orga-Team's messages to members: compose, preview, test, send; and the
list of what was sent.

A composed message has its own key from the moment the composer opens: it is in
the composer's URL (/orga/messages/<key>/), so every way back to the form (Back,
reload, a second tab) carries the same key, and a message is sent at most once
however often the form is submitted again.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User, member_of
from events.forms import MailingForm
from events.models import DeliveryStatus, Event, Mailing, MailingKind, Segment
from events.models.orga import WRITE_TO_MEMBERS
from events.tasks import compose_mailing
from events.views.orga import organizer_required
from somehub.lib.pagination import paginate

MAILINGS_PER_PAGE = 20
# Parameters a link may preset in the composer ("write to this member").
PRESETS = ("segment", "event", "months", "member")


@require_safe
@organizer_required(WRITE_TO_MEMBERS)
def mailing_new(request: HttpRequest) -> HttpResponse:
    """A new message: a new key, and the composer under it."""
    url = reverse("events:mailing-compose", args=[uuid.uuid4()])
    preset = {name: request.GET[name] for name in PRESETS if name in request.GET}
    return redirect(url + ("?" + urlencode(preset) if preset else ""))


@require_http_methods(["GET", "HEAD", "POST"])
@organizer_required(WRITE_TO_MEMBERS)
def mailing_compose(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    sent = Mailing.objects.filter(idempotency_key=key).first()
    if sent is not None:
        return already_sent(request, sent)
    if request.method != "POST":
        form = MailingForm(initial=initial_values(request.GET))
        return render_composer(request, key, form)
    form = MailingForm(request.POST)
    action = request.POST.get("action", "preview")
    if action == "edit" or not form.is_valid():
        status = 200 if action == "edit" else 400
        return render_composer(request, key, form, status=status)
    draft = draft_mailing(form, request.user)
    audience = form.cleaned_data["audience"]
    recipients = list(audience.recipients())
    if action == "test":
        compose_mailing(draft, member_of(request), test=True).send()
        messages.success(
            request,
            _("A test went to %(email)s. Nobody else got anything yet.")
            % {"email": member_of(request).email},
        )
    elif action == "send":
        if request.POST.get("count") != str(len(recipients)):
            messages.warning(
                request,
                _("The group has changed since the preview. Please check the count."),
            )
        else:
            return send(request, key, form)
    return render_preview(request, key, form, draft, recipients)


def send(request: HttpRequest, key: uuid.UUID, form: MailingForm) -> HttpResponse:
    data = form.cleaned_data
    try:
        mailing, created = Mailing.objects.send_message(
            key=key,
            sender=member_of(request),
            audience=data["audience"],
            subject=data["subject"],
            body=data["body"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return render_composer(request, key, form, status=400)
    if created:
        messages.success(
            request,
            ngettext(
                "Your message is on its way to %(count)d person.",
                "Your message is on its way to %(count)d people.",
                mailing.recipient_count,
            )
            % {"count": mailing.recipient_count},
        )
    else:
        messages.info(
            request, _("This message was sent before; it was not sent again.")
        )
    return redirect(reverse("events:mailing-list") + f"#mailing-{mailing.pk}")


def already_sent(request: HttpRequest, mailing: Mailing) -> HttpResponse:
    """The composed message went out: say so; never send it again."""
    if request.method == "POST":
        messages.info(
            request, _("This message was sent before; it was not sent again.")
        )
        return redirect(reverse("events:mailing-list") + f"#mailing-{mailing.pk}")
    return render(request, "events/mailing_sent.html", {"mailing": mailing})


def initial_values(query: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: query[name] for name in PRESETS if query.get(name, "").isdigit()
    }
    if query.get("segment") in Segment.values:
        initial["segment"] = query["segment"]
    if "event" not in initial:
        # "Were there" and "no-shows" are mostly about the last evening.
        last = Event.objects.published().past().only("pk").first()
        if last is not None:
            initial["event"] = last.pk
    return initial


def draft_mailing(form: MailingForm, sender: Any) -> Mailing:
    """The message as it would go out, unsaved (for the preview and the test)."""
    audience = form.cleaned_data["audience"]
    draft = Mailing(
        kind=MailingKind.MESSAGE,
        segment=audience.segment,
        event=audience.event,
        months=audience.months,
        member=audience.member,
        sender=sender,
        subject=form.cleaned_data["subject"],
        body=form.cleaned_data["body"],
    )
    draft.body_html = draft.render_body()
    return draft


def render_composer(
    request: HttpRequest, key: uuid.UUID, form: MailingForm, *, status: int = 200
) -> HttpResponse:
    member_id = str(form["member"].value() or "")
    chosen = None
    if member_id.isdigit():
        chosen = User.objects.filter(pk=member_id).select_related("profile").first()
    context = {"form": form, "key": key, "chosen_member": chosen}
    return render(request, "events/mailing_form.html", context, status=status)


def render_preview(
    request: HttpRequest,
    key: uuid.UUID,
    form: MailingForm,
    draft: Mailing,
    recipients: list[Any],
) -> HttpResponse:
    audience = form.cleaned_data["audience"]
    previews = []
    for language, label in (("de", _("German")), ("en", _("English"))):
        mail = compose_mailing(draft, member_of(request), language=language)
        previews.append({"language": language, "label": label, "mail": mail})
    context = {
        "form": form,
        "key": key,
        "draft": draft,
        "audience": audience,
        "count": len(recipients),
        "group_count": audience.group().count(),
        "recipients": recipients[:RECIPIENTS_SHOWN],
        "more_recipients": max(len(recipients) - RECIPIENTS_SHOWN, 0),
        "previews": previews,
    }
    return render(request, "events/mailing_preview.html", context)


RECIPIENTS_SHOWN = 30


@require_safe
@organizer_required(WRITE_TO_MEMBERS)
def mailing_list(request: HttpRequest) -> HttpResponse:
    """What the Orga-Team sent, newest first: text, recipients and how it went."""
    mailings = (
        Mailing.objects.select_related("sender__profile", "event", "member__profile")
        .annotate(
            delivered=Count("deliveries", filter=Q(deliveries__status="delivered")),
            failed=Count("deliveries", filter=Q(deliveries__status="failed")),
            pending=Count("deliveries", filter=Q(deliveries__status="pending")),
        )
        .order_by("-created_at", "-pk")
    )
    page = paginate(request, mailings, MAILINGS_PER_PAGE)
    context = {"page": page, "statuses": DeliveryStatus}
    return render(request, "events/mailing_list.html", context)
