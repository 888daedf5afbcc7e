import copy
import json
from typing import Any, NamedTuple, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile, member_of
from events.forms import CancelEventsForm, GenerateDraftsForm, RescheduleForm
from events.models import (
    RSVP,
    BodyFormat,
    Comment,
    CommentReport,
    Delivery,
    Event,
    EventStatus,
    Mailing,
    MailKind,
    Recap,
    RecapPhoto,
    RecapStatus,
    Series,
    Venue,
)
from events.models.event import EventQuerySet, previous_details
from events.models.orga import EXPORT_ATTENDEES
from events.models.recap import CommentQuerySet
from events.models.status import AttendanceMode
from events.tasks import compose
from events.views.orga import attendees_csv_response
from somehub.lib.dates import format_local
from somehub.lib.images import open_upload, reencode_as_jpeg

# The Orga-Team's admin: events, series, the log --------------------------

admin.site.site_header = _("#SoMe Stammtisch · Orga-Team")
admin.site.site_title = _("Orga-Team")
admin.site.index_title = _("Running the Stammtisch")


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "city"]
    search_fields = ["name", "street", "district"]


def confirmation_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    template: str,
    **context: Any,
) -> TemplateResponse:
    """The intermediate page of an action that asks something first."""
    opts = model_admin.model._meta
    on_object_page = f"{ActionLocation.CHANGE_FORM.value}-action"
    action_field = on_object_page if on_object_page in request.POST else "action"
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": opts,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            # The list posts `action`, an object's own page `CHANGE_FORM-action`.
            "action_field": action_field,
            "action": request.POST.get(action_field, ""),
            "changelist_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist"
            ),
            **context,
        },
    )


# Actions offered both on the list and on an event's own page.
BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


def changed(*fields: str) -> list[dict[str, Any]]:
    """A change message the admin's log translates when it shows it."""
    return [{"changed": {"fields": list(fields)}}]


def done(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    count: int,
    message: str,
    nothing: str | Promise,
) -> None:
    """Every action says what it did, or that there was nothing to do."""
    if count:
        text = message % {"count": count} if "%(count)" in message else message
        model_admin.message_user(request, text, messages.SUCCESS)
    else:
        model_admin.message_user(request, str(nothing), messages.WARNING)


class MailPreview(NamedTuple):
    """One of the e-mails an action would send, as its recipient would get it."""

    recipient: str
    subject: str
    body: str


def mail_preview(
    event: Event, kind: str, previous: dict[str, str] | None = None
) -> MailPreview | None:
    """The mail of `kind` about `event` (changed in memory, not saved) for the first
    person it would go to; None when nobody would get one."""
    rsvp = (
        event.rsvps.active()
        .select_related("member__profile")
        .order_by("status", "created_at", "pk")
        .first()
    )
    if rsvp is None:
        return None
    rsvp.event = event
    message = compose(kind, rsvp, previous)
    return MailPreview(
        rsvp.member.display_name, str(message.subject), str(message.body)
    )


def concerns_people(event: Event) -> bool:
    """Whether changing this evening's time or place e-mails anyone."""
    return (
        event.status == EventStatus.PUBLISHED
        and not event.is_past
        and event.rsvps.active().exists()
    )


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "rule", "default_venue", "next_date"]
    list_select_related = ["default_venue"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["upcoming_dates"]
    formfield_overrides = {
        models.TimeField: {"widget": widgets.AdminTimeWidget(format="%H:%M")}
    }
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "default_venue"]}),
        (
            _("Repeating dates"),
            {
                "description": _(
                    "For example the last Tuesday of the month, 19:00 to 22:00. "
                    "New dates are created as drafts with the action “Create the "
                    "next dates as drafts”; days that already have a date are "
                    "skipped."
                ),
                "fields": [
                    ("week_of_month", "weekday"),
                    ("start_time", "end_time"),
                    "reminder_time",
                    "default_capacity",
                    "upcoming_dates",
                ],
            },
        ),
    ]
    actions = ["generate_drafts"]

    class Media:
        js = ["admin/js/urlify.js", "js/admin-slugs.js"]

    @admin.display(description=_("repeats"))
    def rule(self, series: Series) -> str:
        return series.recurrence_text or self.get_empty_value_display()

    @admin.display(description=_("next date by the rule"))
    def next_date(self, series: Series) -> str:
        dates = series.next_dates(1)
        if not dates:
            return self.get_empty_value_display()
        return format_local(dates[0].starts_at, "medium")

    @admin.display(description=_("the next dates by the rule"))
    def upcoming_dates(self, series: Series) -> str:
        dates = series.next_dates(5) if series.pk else []
        if not dates:
            return self.get_empty_value_display()
        items = format_html_join(
            "",
            "<li>{}, {}</li>",
            (
                (format_local(d.starts_at, "long"), format_local(d.starts_at, "time"))
                for d in dates
            ),
        )
        return format_html("<ul>{}</ul>", items)

    @admin.action(
        description=_("Create the next dates as drafts"),
        permissions=["add"],
        location=BOTH_PLACES,
    )
    def generate_drafts(
        self, request: HttpRequest, queryset: QuerySet[Series]
    ) -> TemplateResponse | None:
        form = GenerateDraftsForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return confirmation_page(
                self,
                request,
                queryset,
                "admin/events/series/generate_drafts.html",
                title=_("Create the next dates as drafts"),
                form=form,
            )
        wanted = form.cleaned_data["count"]
        for series in queryset:
            existing = series.existing_on(series.next_dates(wanted))
            try:
                events = series.generate_drafts(wanted)
            except ValidationError as exc:
                self.message_user(request, exc.messages[0], messages.WARNING)
                continue
            for event in events:
                self.log_addition(request, event, [{"added": {}}])
            note = ngettext(
                "%(count)d draft created for “%(series)s”.",
                "%(count)d drafts created for “%(series)s”.",
                len(events),
            ) % {"count": len(events), "series": series}
            if existing:
                note += " " + ngettext(
                    "%(count)d of the next %(wanted)d dates exists already: %(dates)s.",
                    "%(count)d of the next %(wanted)d dates exist already: %(dates)s.",
                    len(existing),
                ) % {
                    "count": len(existing),
                    "wanted": wanted,
                    "dates": "; ".join(
                        f"{format_local(e.starts_at, 'medium')} "
                        f"({e.get_status_display()})"
                        for e in existing
                    ),
                }
            self.message_user(
                request, note, messages.SUCCESS if events else messages.WARNING
            )
        return None

    def save_model(
        self, request: HttpRequest, obj: Series, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if change and {"start_time", "end_time"} & set(form.changed_data):
            request.series_rule_changed = bool(obj.events_off_rule())  # type: ignore[attr-defined]

    def response_change(self, request: HttpRequest, obj: Series) -> HttpResponse:
        if getattr(request, "series_rule_changed", False):
            self.message_user(
                request,
                _(
                    "The rule has a new time. Existing coming dates still have the "
                    "old one: choose which should move."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse("admin:events_series_apply_rule", args=[obj.pk])
            )
        return super().response_change(request, obj)

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<path:object_id>/apply-rule/",
                self.admin_site.admin_view(self.apply_rule_view),
                name="events_series_apply_rule",
            )
        ]
        return own + super().get_urls()

    def apply_rule_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The rule's new time for existing coming dates: drafts move quietly,
        published ones through Event.reschedule(), which e-mails those going
        (the page says how many, with the mail, before anything happens)."""
        series = self.get_object(request, object_id)
        if series is None:
            raise Http404
        if not (
            self.has_change_permission(request, series)
            and request.user.has_perm("events.change_event")
        ):
            raise PermissionDenied
        off = series.events_off_rule()
        if request.method == "POST":
            chosen = set(request.POST.getlist("event"))
            moved = told = 0
            for event, by_rule in off:
                if str(event.pk) not in chosen:
                    continue
                people = event.people_to_tell() if concerns_people(event) else 0
                if event.reschedule(
                    starts_at=by_rule.starts_at, ends_at=by_rule.ends_at
                ):
                    self.log_change(request, event, changed(*CHANGED_BY_MOVE))
                    moved += 1
                    told += people
            self.message_user(
                request,
                ngettext(
                    "%(count)d date moved to the rule's time; %(told)d e-mails go out.",
                    "%(count)d dates moved to the rule's time; "
                    "%(told)d e-mails go out.",
                    moved,
                )
                % {"count": moved, "told": told},
                messages.SUCCESS if moved else messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse("admin:events_series_change", args=[series.pk])
            )
        rows = []
        preview = None
        for event, by_rule in off:
            people = event.people_to_tell() if concerns_people(event) else 0
            rows.append({"event": event, "by_rule": by_rule, "people": people})
            if preview is None and people:
                moved_copy = copy.copy(event)
                moved_copy.starts_at, moved_copy.ends_at = by_rule
                preview = mail_preview(
                    moved_copy, MailKind.EVENT_CHANGED, previous_details(event)
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": series,
            "title": _("Apply the new time to existing dates"),
            "rows": rows,
            "recipients": sum(r["people"] for r in rows),
            "preview": preview,
            "changelist_url": reverse("admin:events_series_changelist"),
            "change_url": reverse("admin:events_series_change", args=[series.pk]),
        }
        return TemplateResponse(request, "admin/events/series/apply_rule.html", context)


class WhenFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> QuerySet[Event]:
        match self.value():
            case "upcoming":
                return cast(EventQuerySet, queryset).upcoming()
            case "past":
                return cast(EventQuerySet, queryset).past()
        return queryset


class RSVPInline(admin.TabularInline):
    """Who answered, for reading: seats and waiting list change only through the
    RSVP rules (on the event page) or at the door check-in."""

    model = RSVP
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "member",
        "field_of_work",
        "status",
        "attendance",
        "waiting_since",
        "checked_in_at",
    )
    ordering = ["status", "waiting_since", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RSVP]:
        # Each row shows str(rsvp), which names the event too.
        return super().get_queryset(request).select_related("member__profile", "event")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("field of work"))
    def field_of_work(self, rsvp: RSVP) -> str:
        profile = getattr(rsvp.member, "profile", None)
        if profile is None or not profile.field:
            return self.get_empty_value_display()
        return profile.get_field_display()


class EventAdminForm(forms.ModelForm):
    """The cover image is decoded and stored re-encoded: no metadata, and
    nothing but image data can ever be served from it. JPEG, because every link
    preview takes it."""

    class Meta:
        model = Event
        # The admin's fieldsets name the rest.
        fields = ["cover_image", "cover_image_alt"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "attendance_mode" in self.fields:
            # Left out (an older form, a script): the evening is in person.
            self.fields["attendance_mode"].required = False

    def clean_attendance_mode(self) -> str:
        return self.cleaned_data.get("attendance_mode") or AttendanceMode.IN_PERSON

    def clean_cover_image(self) -> Any:
        upload = self.cleaned_data.get("cover_image")
        if isinstance(upload, UploadedFile):
            return reencode_as_jpeg(open_upload(upload), longest=1600)
        return upload


# What the log says a move changed (the admin translates these names).
CHANGED_BY_MOVE = ("starts at", "ends at", "venue")


def reschedule_initial(event: Event) -> dict[str, Any]:
    return {
        "starts_at": timezone.localtime(event.starts_at),
        "ends_at": timezone.localtime(event.ends_at),
        "venue": event.venue_id,
    }


class _DryRun(Exception):
    """Undoes a trial run of a domain action (and the mails it queued)."""


def _places(value: str) -> int | None:
    """A number of places from the form ("" is: no limit)."""
    value = value.strip()
    if not value:
        return None
    places = int(value)
    if places < 0:
        raise ValueError(value)
    return places


def moving_up(
    event: Event, capacity: int | None, online_capacity: int | None
) -> tuple[list[str], MailPreview | None]:
    """Who would move up from the waiting list with these places, and the first
    one's mail: the change is tried and undone, with the mails it would queue."""
    names: list[str] = []
    preview: MailPreview | None = None
    if event.status != EventStatus.PUBLISHED or not event.rsvps.waiting().exists():
        return names, preview
    try:
        with transaction.atomic():
            trial = Event.objects.get(pk=event.pk)
            moved = trial.change_capacity(capacity, online_capacity=online_capacity)
            names = [rsvp.member.display_name for rsvp in moved]
            if moved:
                first = moved[0]
                first.event = trial
                message = compose(MailKind.PROMOTION, first)
                preview = MailPreview(
                    first.member.display_name, str(message.subject), str(message.body)
                )
            raise _DryRun
    except _DryRun:
        pass
    except ValidationError:
        return [], None
    return names, preview


def reschedule_query(event: Event) -> str:
    """The confirmation page's address for the event's new (unsaved) time."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    return urlencode(
        {
            # In the organizer's own format, as the form shows it (25.05.2027).
            "starts_at_0": formats.localize_input(start.date()),
            "starts_at_1": start.strftime("%H:%M"),
            "ends_at_0": formats.localize_input(end.date()),
            "ends_at_1": end.strftime("%H:%M"),
            "venue": event.venue_id,
        }
    )


def moved_note(event: Event, count: int) -> str:
    return ngettext(
        "“%(event)s” is moved; %(count)d person going or waiting gets an e-mail.",
        "“%(event)s” is moved; %(count)d people going or waiting get an e-mail.",
        count,
    ) % {"event": event, "count": count}


def cancel_preview(events: QuerySet[Event], form: forms.Form) -> MailPreview | None:
    """The cancellation mail for the first date that has people to tell."""
    reason = form["reason"].value() or gettext("[Your reason appears here.]")
    for event in events:
        if event.status != EventStatus.PUBLISHED:
            continue
        off = copy.copy(event)
        off.status, off.cancellation_reason = EventStatus.CANCELLED, reason
        preview = mail_preview(off, MailKind.EVENT_CANCELLED)
        if preview is not None:
            return preview
    return None


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    form = EventAdminForm
    list_display = ["title", "date", "status", "seats", "waiting", "has_recap"]
    list_filter = [WhenFilter, "status", "series"]
    search_fields = ["title", "motto", "venue__name", "series__name"]
    list_select_related = ["venue", "series"]
    ordering = ["-starts_at"]
    readonly_fields = [
        "published_at",
        "sequence",
        "ical_uid",
        "created_at",
        "updated_at",
    ]
    inlines = [RSVPInline]
    actions = [
        "publish_events",
        "announce_events",
        "cancel_events",
        "reinstate_events",
        "copy_events",
        "create_next_dates",
        "export_attendees",
    ]
    fieldsets = [
        (None, {"fields": ["series", "title", "slug", "motto", "description"]}),
        (
            _("When and where"),
            {"fields": ["starts_at", "ends_at", "venue", "capacity"]},
        ),
        (
            _("Online and hybrid"),
            {"fields": ["attendance_mode", "online_url", "online_capacity"]},
        ),
        (
            _("RSVPs"),
            {"fields": ["rsvp_opens_at", "rsvp_closes_at", "reminder_time"]},
        ),
        (
            _("Status"),
            {"fields": ["status", "cancellation_reason", "published_at"]},
        ),
        (_("Picture"), {"fields": ["cover_image", "cover_image_alt"]}),
        (
            _("Record"),
            {
                "classes": ["collapse"],
                "fields": ["sequence", "ical_uid", "created_at", "updated_at"],
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        recap = Recap.objects.filter(event=OuterRef("pk"))
        events = cast(EventQuerySet, super().get_queryset(request))
        return events.with_rsvp_counts().annotate(has_recap_flag=Exists(recap))

    def get_actions(
        self,
        request: HttpRequest,
        action_location: ActionLocation = ActionLocation.CHANGE_LIST,
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location=action_location)
        # Published dates are cancelled, not deleted: RSVPs and calendars refer to them.
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not (obj.is_draft and not obj.rsvps.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def has_export_attendees_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(EXPORT_ATTENDEES)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Event | None = None
    ) -> list[str]:
        # Once the date exists, its status changes only through the actions above
        # the form ("Publish", "Cancel …"), which say whom they will e-mail.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["status", "cancellation_reason"]
        return fields

    def save_model(
        self, request: HttpRequest, obj: Event, form: Any, change: bool
    ) -> None:
        """A new date is just saved; an edit goes through the domain actions, so
        that a new time or place tells those going, and new seats go to those
        waiting."""
        if not change:
            if obj.status == EventStatus.PUBLISHED and obj.published_at is None:
                obj.published_at = timezone.now()
            with transaction.atomic():
                obj.save()
                if obj.status == EventStatus.PUBLISHED:
                    # Created published: announced as if published from a draft.
                    obj.announce()
            return
        changed = set(form.changed_data)
        moved = changed & {"starts_at", "ends_at", "venue"}
        if moved and concerns_people(obj):
            # A new time or place e-mails everyone going: it waits for the
            # confirmation page (response_change), the other edits are saved.
            request.reschedule_query = reschedule_query(obj)  # type: ignore[attr-defined]
            obj.starts_at = form.initial["starts_at"]
            obj.ends_at = form.initial["ends_at"]
            obj.venue = Venue.objects.get(pk=form.initial["venue"])
            changed -= moved
            moved = set()
        seats = changed & {"capacity", "online_capacity"}
        if seats and moving_up(obj, obj.capacity, obj.online_capacity)[0]:
            # New seats go to those waiting, with an e-mail each: that waits for
            # its confirmation page too.
            request.capacity_query = urlencode(  # type: ignore[attr-defined]
                {
                    "capacity": "" if obj.capacity is None else obj.capacity,
                    "online_capacity": ""
                    if obj.online_capacity is None
                    else obj.online_capacity,
                }
            )
            obj.capacity = form.initial["capacity"]
            obj.online_capacity = form.initial.get("online_capacity")
            changed -= seats
        with transaction.atomic():
            if moved:
                obj.reschedule(
                    starts_at=obj.starts_at, ends_at=obj.ends_at, venue=obj.venue
                )
            if changed & {"capacity", "online_capacity"}:
                obj.change_capacity(obj.capacity, online_capacity=obj.online_capacity)
            obj.revise(
                changed
                - {"starts_at", "ends_at", "venue", "capacity", "online_capacity"}
            )

    def response_change(self, request: HttpRequest, obj: Event) -> HttpResponse:
        seats = getattr(request, "capacity_query", None)
        query = getattr(request, "reschedule_query", None)
        if seats is not None and query is None:
            self.message_user(
                request,
                _(
                    "Your other changes are saved. The new number of places is not "
                    "yet: check who moves up and gets an e-mail, then confirm."
                ),
                messages.WARNING,
            )
            url = reverse("admin:events_event_capacity", args=[obj.pk])
            return HttpResponseRedirect(f"{url}?{seats}")
        if query is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            _(
                "Your other changes are saved. The new time or place is not yet: "
                "check who gets which e-mail, then confirm."
            ),
            messages.WARNING,
        )
        url = reverse("admin:events_event_reschedule", args=[obj.pk])
        return HttpResponseRedirect(f"{url}?{query}")

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<path:object_id>/reschedule/",
                self.admin_site.admin_view(self.reschedule_view),
                name="events_event_reschedule",
            ),
            path(
                "<path:object_id>/capacity/",
                self.admin_site.admin_view(self.capacity_view),
                name="events_event_capacity",
            ),
        ]
        return own + super().get_urls()

    def reschedule_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A new time or place: who gets which e-mail, then (POST) the change."""
        event = self.get_object(request, object_id)
        if event is None:
            raise Http404
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        if request.method == "POST":
            data: Any = request.POST
        else:
            data = request.GET if "starts_at_0" in request.GET else None
        form = RescheduleForm(data, initial=reschedule_initial(event))
        preview, before = None, previous_details(event)
        if form.is_valid():
            new = form.cleaned_data
            if request.method == "POST" and "confirm" in request.POST:
                if event.reschedule(**new):
                    self.log_change(request, event, changed(*CHANGED_BY_MOVE))
                    self.message_user(
                        request,
                        moved_note(event, event.people_to_tell()),
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request,
                        _("Nothing changed: that is the time and place it has."),
                        messages.WARNING,
                    )
                return HttpResponseRedirect(
                    reverse("admin:events_event_change", args=[event.pk])
                )
            moved = copy.copy(event)
            moved.starts_at, moved.ends_at = new["starts_at"], new["ends_at"]
            moved.venue = new["venue"]
            preview = mail_preview(moved, MailKind.EVENT_CHANGED, before)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "original": event,
            "title": _("Change time or place"),
            "form": form,
            "media": self.media + form.media,
            "recipients": event.people_to_tell() if concerns_people(event) else 0,
            "preview": preview,
            "changelist_url": reverse("admin:events_event_changelist"),
            "change_url": reverse("admin:events_event_change", args=[event.pk]),
        }
        return TemplateResponse(request, "admin/events/event/reschedule.html", context)

    def capacity_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """More places: who moves up from the waiting list and gets the "you're
        in" e-mail, then (POST) the change."""
        event = self.get_object(request, object_id)
        if event is None:
            raise Http404
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        try:
            capacity = _places(data.get("capacity", ""))
            online = _places(data.get("online_capacity", ""))
        except ValueError:
            return HttpResponseBadRequest(_("The number of places is not a number."))
        change_url = reverse("admin:events_event_change", args=[event.pk])
        if request.method == "POST" and "confirm" in request.POST:
            try:
                moved = event.change_capacity(capacity, online_capacity=online)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.log_change(request, event, changed("capacity", "online_capacity"))
            self.message_user(
                request,
                ngettext(
                    "The places are changed; %(count)d person moved up and gets an "
                    "e-mail.",
                    "The places are changed; %(count)d people moved up and get an "
                    "e-mail each.",
                    len(moved),
                )
                % {"count": len(moved)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        names, preview = moving_up(event, capacity, online)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": event,
            "title": _("Change the number of places"),
            "capacity": capacity,
            "online_capacity": online,
            "moving": names,
            "preview": preview,
            "changelist_url": reverse("admin:events_event_changelist"),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/events/event/capacity.html", context)

    @admin.display(description=_("date"), ordering="starts_at")
    def date(self, event: Event) -> str:
        starts_at = event.starts_at
        return f"{format_local(starts_at, 'medium')}, {format_local(starts_at, 'time')}"

    @admin.display(description=_("going / places"), ordering="going_count")
    def seats(self, event: Event) -> str:
        return f"{event.going_count} / {event.capacity or '∞'}"

    @admin.display(description=_("waiting"), ordering="waiting_count")
    def waiting(self, event: Event) -> int:
        return event.waiting_count

    @admin.display(description=_("recap"), boolean=True, ordering="has_recap_flag")
    def has_recap(self, event: Event) -> bool:
        return bool(getattr(event, "has_recap_flag"))  # noqa: B009 - annotated

    @admin.action(
        description=_("Publish the selected dates"),
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def publish_events(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        published = 0
        for event in queryset.filter(status=EventStatus.DRAFT):
            event.publish()
            self.log_change(request, event, changed("status"))
            published += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d date published.", "%(count)d dates published.", published
            )
            % {"count": published}
            + " "
            + announced_note(),
            messages.SUCCESS if published else messages.WARNING,
        )

    @admin.action(
        description=_("Announce now to members who want new dates"),
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def announce_events(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        """For dates published before announcements existed, or when the
        announcement should go out again after all: never twice per evening."""
        announced = skipped = 0
        for event in queryset.select_related("venue"):
            mailing = Mailing.objects.announce(event)
            if mailing is None:
                skipped += 1
                continue
            announced += 1
            self.log_change(
                request,
                event,
                ngettext(
                    "Announced to %(count)d member.",
                    "Announced to %(count)d members.",
                    mailing.recipient_count,
                )
                % {"count": mailing.recipient_count},
            )
        if announced:
            self.message_user(
                request,
                ngettext(
                    "%(count)d date announced.", "%(count)d dates announced.", announced
                )
                % {"count": announced},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d date was not announced: it was announced before, "
                    "is not published or has begun.",
                    "%(count)d dates were not announced: they were announced "
                    "before, are not published or have begun.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(
        description=_("Cancel the selected dates and tell everyone going or waiting"),
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def cancel_events(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> TemplateResponse | None:
        events = queryset.exclude(status=EventStatus.CANCELLED)
        form = CancelEventsForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return confirmation_page(
                self,
                request,
                queryset,
                "admin/events/event/cancel_confirmation.html",
                title=_("Cancel dates"),
                form=form,
                events=events,
                notified=sum(e.going_count + e.waiting_count for e in events),
                preview=cancel_preview(events, form),
            )
        cancelled = 0
        for event in events:
            event.cancel(form.cleaned_data["reason"])
            self.log_change(request, event, changed("status", "reason for cancelling"))
            cancelled += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d date cancelled; everyone going or waiting gets an e-mail.",
                "%(count)d dates cancelled; everyone going or waiting gets an e-mail.",
                cancelled,
            )
            % {"count": cancelled},
            messages.SUCCESS,
        )
        return None

    @admin.action(
        description=_("Reinstate the selected cancelled dates and tell those going"),
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def reinstate_events(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> TemplateResponse | None:
        events = queryset.filter(status=EventStatus.CANCELLED)
        if "confirm" not in request.POST:
            told = [e for e in events if e.published_at and not e.is_past]
            preview = None
            for event in told:
                back = copy.copy(event)
                back.status, back.cancellation_reason = EventStatus.PUBLISHED, ""
                preview = mail_preview(back, MailKind.EVENT_REINSTATED)
                if preview is not None:
                    break
            return confirmation_page(
                self,
                request,
                queryset,
                "admin/events/event/reinstate_confirmation.html",
                title=_("Reinstate dates"),
                form=forms.Form(),
                events=events,
                notified=sum(e.going_count + e.waiting_count for e in told),
                preview=preview,
            )
        reinstated = 0
        for event in events:
            if event.reinstate():
                self.log_change(request, event, changed("status"))
                reinstated += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d date takes place again; everyone still going or "
                "waiting gets an e-mail.",
                "%(count)d dates take place again; everyone still going or "
                "waiting gets an e-mail.",
                reinstated,
            )
            % {"count": reinstated},
            messages.SUCCESS if reinstated else messages.WARNING,
        )
        return None

    @admin.action(
        description=_("Copy the selected dates as new drafts"),
        permissions=["add"],
        location=BOTH_PLACES,
    )
    def copy_events(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        for event in queryset.order_by("starts_at"):
            copied = event.copy_as_draft()
            self.log_addition(request, copied, [{"added": {}}])
            url = reverse("admin:events_event_change", args=[copied.pk])
            self.message_user(
                request,
                format_html(
                    gettext(
                        'Copied as a new draft: <a href="{url}">{event}</a>. '
                        "Set its date, then publish it."
                    ),
                    url=url,
                    event=copied,
                ),
                messages.SUCCESS,
            )

    @admin.action(
        description=_("Create the next date of this series"),
        permissions=["add"],
        location=BOTH_PLACES,
    )
    def create_next_dates(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> None:
        series_ids = set(queryset.values_list("series", flat=True))
        if None in series_ids:
            self.message_user(
                request, _("Dates without a series were skipped."), messages.WARNING
            )
        for series in Series.objects.filter(pk__in=series_ids - {None}):
            try:
                event = series.create_next_draft()
            except ValidationError as exc:
                self.message_user(request, exc.messages[0], messages.WARNING)
                continue
            self.log_addition(request, event, [{"added": {}}])
            url = reverse("admin:events_event_change", args=[event.pk])
            self.message_user(
                request,
                format_html(
                    gettext('Draft created: <a href="{url}">{event}</a>.'),
                    url=url,
                    event=event,
                ),
                messages.SUCCESS,
            )

    @admin.action(
        description=_("Export the attendees (CSV)"),
        permissions=["export_attendees"],
        location=BOTH_PLACES,
    )
    def export_attendees(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> HttpResponse:
        events = list(queryset.order_by("starts_at"))
        for event in events:
            note = gettext("Downloaded the attendee list (CSV).")
            self.log_change(request, event, note)
        name = events[0].slug if len(events) == 1 else timezone.localdate().isoformat()
        return attendees_csv_response(events, f"attendees-{name}.csv")


def announced_note() -> str:
    wanting = Profile.objects.filter(notify_announcements=True).count()
    return ngettext(
        "Coming dates are announced to the %(count)d member who wants new dates.",
        "Coming dates are announced to the %(count)d members who want new dates.",
        wanting,
    ) % {"count": wanting}


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = readonly_fields = ("member", "status", "attempts", "sent_at", "error")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).select_related("member__profile")


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    """The log of mails to members: written on /orga/messages/, read here."""

    list_display = [
        "created_at",
        "kind",
        "subject",
        "segment",
        "sender",
        "recipient_count",
    ]
    list_filter = ["kind", "segment"]
    list_select_related = ["event", "sender__profile"]
    search_fields = ["subject", "body", "event__title"]
    fields = readonly_fields = (
        "kind",
        "subject",
        "body",
        "segment",
        "event",
        "months",
        "member",
        "recipient_count",
        "sender",
        "created_at",
        "finished_at",
    )
    inlines = [DeliveryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _field_label(name: str) -> str:
    """A field name as the log stored it ("Description", the form's label in
    English), in the reader's language: the catalogue has the verbose names in
    lower case."""
    for candidate in (name, name.lower()):
        translated = gettext(candidate)
        if translated != candidate:
            return capfirst(translated)
    return name


def translated_change_message(entry: LogEntry) -> str:
    """LogEntry.get_change_message(), with field names and our own plain
    messages (msgids, e.g. "Hid comment") in the reader's language."""
    try:
        data = json.loads(entry.change_message)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, list):
        return gettext(entry.change_message) if entry.change_message else ""
    for part in data:
        for key in ("changed", "added", "deleted"):
            fields = part.get(key, {}).get("fields") if isinstance(part, dict) else None
            if fields:
                part[key]["fields"] = [_field_label(name) for name in fields]
    shown = copy.copy(entry)
    shown.change_message = json.dumps(data)
    return shown.get_change_message()


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Who did what, when: every admin change, check-in and message, read-only."""

    list_display = ["action_time", "user", "action_flag", "object_repr", "message"]
    list_filter = ["action_flag"]
    search_fields = ["object_repr", "change_message", "user__email"]
    list_select_related = ["user__profile", "content_type"]
    ordering = ["-action_time"]
    date_hierarchy = "action_time"

    @admin.display(description=_("what"))
    def message(self, entry: LogEntry) -> str:
        return translated_change_message(entry)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Recaps, photos and the comment moderation queue ----------------------


class RecapPhotoForm(forms.ModelForm):
    """Every upload is decoded, checked and re-encoded without metadata."""

    class Meta:
        model = RecapPhoto
        fields = ["image", "alt_text", "position", "in_text"]

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        if isinstance(upload, UploadedFile):
            self.decoded_image = open_upload(upload)
        return upload

    def save(self, commit: bool = True) -> RecapPhoto:
        photo = super().save(commit=False)
        if photo._state.adding and "position" not in self.changed_data:
            # A new photo goes after the others, not to position 0 with them all.
            photo.position = photo.recap.next_photo_position()
        decoded = getattr(self, "decoded_image", None)
        if decoded is not None:
            photo.store(decoded)
        if commit:
            photo.save()
        return photo


class RecapPhotoInline(admin.TabularInline):
    model = RecapPhoto
    form = RecapPhotoForm
    extra = 1
    fields = ["preview", "image", "alt_text", "position", "in_text", "review"]
    readonly_fields = ["preview", "review"]

    @admin.display(description=_("preview"))
    def preview(self, photo: RecapPhoto) -> str:
        if not photo.pk or not photo.image:
            return "-"
        return format_html(
            '<img src="{}" alt="" width="96" height="96">', photo.thumbnail_url
        )


class RecapAdminForm(forms.ModelForm):
    class Meta:
        model = Recap
        fields = [
            "event",
            "title",
            "slug",
            "lead",
            "body",
            "author",
            "byline",
            "status",
            "published_at",
            "cover",
            "comments_open",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.body_format == BodyFormat.HTML and "body" in self.fields:
            self.fields["body"].help_text = _(
                "Imported from the old blog as HTML. It is cleaned again on every "
                "page: scripts, frames, styles and pictures from other sites never "
                "show."
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # Published without a date means "now" (the database insists on a date).
        if cleaned.get("status") == RecapStatus.PUBLISHED and not cleaned.get(
            "published_at"
        ):
            cleaned["published_at"] = timezone.now()
        return cleaned


@admin.register(Recap)
class RecapAdmin(admin.ModelAdmin):
    form = RecapAdminForm
    list_display = ["title", "event", "status", "published_at", "comments_open"]
    list_filter = ["status", "comments_open"]
    search_fields = ["title", "lead", "event__title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["event"]
    list_select_related = ["event"]
    inlines = [RecapPhotoInline]
    actions = ["publish", "close_comments", "open_comments"]

    class Media:
        js = ["admin/js/urlify.js", "js/admin-slugs.js"]

    fields = tuple(RecapAdminForm.Meta.fields)

    def get_form(
        self,
        request: HttpRequest,
        obj: Recap | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm[Recap]]:
        form = super().get_form(request, obj, change, **kwargs)
        # The cover is one of this recap's own photos.
        if "cover" in form.base_fields:
            cover = cast(forms.ModelChoiceField, form.base_fields["cover"])
            cover.queryset = (
                RecapPhoto.objects.approved().filter(recap=obj)
                if obj
                else RecapPhoto.objects.none()
            )
        return form

    def save_model(
        self, request: HttpRequest, obj: Recap, form: Any, change: bool
    ) -> None:
        # An imported post keeps its old byline; it is not the editor's.
        if obj.author_id is None and not obj.byline:
            obj.author = member_of(request)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected recaps"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Recap]) -> None:
        count = 0
        for recap in queryset.exclude(status=RecapStatus.PUBLISHED):
            recap.publish()
            self.log_change(request, recap, changed("status"))
            count += 1
        done(
            self,
            request,
            count,
            ngettext(
                "%(count)d recap published.", "%(count)d recaps published.", count
            ),
            _("The selected recaps were published already."),
        )

    @admin.action(description=_("Close comments on the selected recaps"))
    def close_comments(self, request: HttpRequest, queryset: QuerySet[Recap]) -> None:
        count = 0
        for recap in queryset.filter(comments_open=True):
            recap.close_comments(by=member_of(request))
            count += 1
        done(
            self,
            request,
            count,
            ngettext(
                "Comments closed on %(count)d recap.",
                "Comments closed on %(count)d recaps.",
                count,
            ),
            _("Comments were closed already on the selected recaps."),
        )

    @admin.action(description=_("Open comments on the selected recaps"))
    def open_comments(self, request: HttpRequest, queryset: QuerySet[Recap]) -> None:
        count = 0
        for recap in queryset.filter(comments_open=False):
            recap.open_comments(by=member_of(request))
            count += 1
        done(
            self,
            request,
            count,
            ngettext(
                "Comments opened on %(count)d recap.",
                "Comments opened on %(count)d recaps.",
                count,
            ),
            _("Comments were open already on the selected recaps."),
        )


@admin.register(RecapPhoto)
class RecapPhotoAdmin(admin.ModelAdmin):
    """Attendees' photos waiting for approval (and every other photo, to find)."""

    list_display = ["preview", "alt_text", "review", "contributor", "recap"]
    list_display_links = ["alt_text"]
    list_filter = ["review"]
    search_fields = ["alt_text", "recap__title", "contributor__email"]
    list_select_related = ["recap", "contributor__profile"]
    ordering = ["-submitted_at"]
    fields = [
        "preview",
        "recap",
        "contributor",
        "alt_text",
        "review",
        "submitted_at",
        "reviewed_at",
    ]
    readonly_fields = [
        "preview",
        "recap",
        "contributor",
        "review",
        "submitted_at",
        "reviewed_at",
    ]
    actions = ["approve_photos", "reject_photos"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The Orga-Team's own photos are added on the recap (inline).
        return False

    @admin.display(description=_("preview"))
    def preview(self, photo: RecapPhoto) -> str:
        if not photo.image:
            return "-"
        return format_html(
            '<img src="{}" alt="" width="96" height="96">', photo.thumbnail_url
        )

    @admin.action(description=_("Approve the selected photos (show them on the recap)"))
    def approve_photos(
        self, request: HttpRequest, queryset: QuerySet[RecapPhoto]
    ) -> None:
        done = sum(photo.approve(by=member_of(request)) for photo in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d photo approved: it is shown on its recap now.",
                "%(count)d photos approved: they are shown on their recaps now.",
                done,
            )
            % {"count": done},
            messages.SUCCESS if done else messages.INFO,
        )

    @admin.action(description=_("Reject the selected photos (keep them off the recap)"))
    def reject_photos(
        self, request: HttpRequest, queryset: QuerySet[RecapPhoto]
    ) -> None:
        done = sum(photo.reject(by=member_of(request)) for photo in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d photo rejected: it is not shown; its member may "
                "withdraw it.",
                "%(count)d photos rejected: they are not shown; their members may "
                "withdraw them.",
                done,
            )
            % {"count": done},
            messages.SUCCESS if done else messages.INFO,
        )


# Words of a search in the moderation queue that are looked for.
SEARCH_WORDS = 20


class ModerationFilter(admin.SimpleListFilter):
    title = _("moderation")
    parameter_name = "moderation"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("reported", _("Reported, not dealt with")),
            ("hidden", _("Hidden")),
            ("deleted", _("Deleted")),
            ("visible", _("Visible")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> QuerySet[Comment]:
        match self.value():
            case "reported":
                return cast(CommentQuerySet, queryset).reported()
            case "hidden":
                return queryset.filter(is_hidden=True)
            case "deleted":
                return queryset.filter(deleted_at__isnull=False)
            case "visible":
                return cast(CommentQuerySet, queryset).visible()
        return queryset


class CommentReportInline(admin.TabularInline):
    model = CommentReport
    extra = 0
    fields = ["reporter", "reason", "created_at", "resolved_at"]
    readonly_fields = ["reporter", "reason", "created_at", "resolved_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: newest first; organizers hide, show or delete."""

    list_display = [
        "excerpt",
        "written_by",
        "written_at",
        "state",
        "open_reports",
    ]
    list_filter = [ModerationFilter, "recap"]
    search_fields = [
        "body",
        "author__email",
        "author__profile__display_name",
        "guest_name",
    ]
    ordering = ["-created_at", "-pk"]
    list_select_related = ["author__profile", "recap"]
    inlines = [CommentReportInline]
    actions = ["hide_comments", "unhide_comments", "delete_comments", "dismiss_reports"]
    # The guest's e-mail address is never shown: it only lets its owner claim.
    fields = [
        "recap",
        "written_by",
        "parent",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "is_hidden",
    ]
    # Organizers moderate; they never put words in a member's mouth.
    readonly_fields = [
        "recap",
        "written_by",
        "parent",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Comment], search_term: str
    ) -> tuple[QuerySet[Comment], bool]:
        # A pasted essay must not become thousands of LIKEs: its first words do.
        words = search_term.split()[:SEARCH_WORDS]
        return super().get_search_results(request, queryset, " ".join(words))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_report_count=Count(
                    "reports", filter=Q(reports__resolved_at__isnull=True)
                )
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # No plain (bulk) delete: it would take replies with it. The
        # delete_comments action keeps threads readable instead.
        return False

    @admin.display(description=_("comment"))
    def excerpt(self, comment: Comment) -> str:
        # The recap under the text, not in a column of its own: fits at 1280 px.
        text = (
            gettext("Comment deleted.")
            if comment.is_deleted
            else Truncator(comment.body).chars(120)
        )
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            text,
            Truncator(comment.recap.title).chars(60),
        )

    @admin.display(description=_("author"), ordering="author")
    def written_by(self, comment: Comment) -> str:
        if comment.is_guest:
            return gettext("%(name)s (guest)") % {"name": comment.guest_name}
        return comment.author_name

    @admin.display(description=_("recap"), ordering="recap__title")
    def recap_title(self, comment: Comment) -> str:
        return Truncator(comment.recap.title).chars(40)

    @admin.display(description=_("deleted"), boolean=True)
    def is_deleted(self, comment: Comment) -> bool:
        return comment.is_deleted

    @admin.display(description=_("written"), ordering="created_at")
    def written_at(self, comment: Comment) -> str:
        return format_local(comment.created_at, "medium")

    @admin.display(description=_("state"))
    def state(self, comment: Comment) -> str:
        # One short column instead of two long ones: the list fits at 1280 px.
        if comment.is_deleted:
            return gettext("deleted")
        return gettext("hidden") if comment.is_hidden else gettext("visible")

    class Media:
        css = {"all": ["css/admin-orga.css"]}

    @admin.display(description=_("open reports"), ordering="open_report_count")
    def open_reports(self, comment: Comment) -> int:
        return comment.open_report_count

    @admin.action(description=_("Hide the selected comments"))
    def hide_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = reports = 0
        for comment in queryset.filter(is_hidden=False):
            reports += comment.hide(by=member_of(request))
            count += 1
        message = ngettext(
            "%(count)d comment hidden.", "%(count)d comments hidden.", count
        ) % {"count": count}
        if reports:
            message += " " + ngettext(
                "%(count)d report closed.", "%(count)d reports closed.", reports
            ) % {"count": reports}
        done(
            self,
            request,
            count,
            message,
            _("The selected comments were hidden already."),
        )

    @admin.action(description=_("Show the selected comments again"))
    def unhide_comments(
        self, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> None:
        count = 0
        for comment in queryset.filter(is_hidden=True):
            comment.unhide(by=member_of(request))
            count += 1
        done(
            self,
            request,
            count,
            ngettext(
                "%(count)d comment is visible again.",
                "%(count)d comments are visible again.",
                count,
            ),
            _("The selected comments were visible already."),
        )

    @admin.action(description=_("Delete the selected comments (threads stay readable)"))
    def delete_comments(
        self, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> None:
        count = 0
        for comment in queryset.select_related("parent"):
            if Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).exists():
                comment.delete_by(member_of(request))
                count += 1
        done(
            self,
            request,
            count,
            ngettext(
                "%(count)d comment deleted.", "%(count)d comments deleted.", count
            ),
            _("The selected comments were deleted already."),
        )

    @admin.action(description=_("Dismiss the reports (keep the comments visible)"))
    def dismiss_reports(
        self, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> None:
        reports = 0
        for comment in queryset:
            closed = comment.resolve_reports()
            if closed:
                self.log_change(request, comment, gettext_noop("Dismissed reports"))
            reports += closed
        done(
            self,
            request,
            reports,
            ngettext(
                "%(count)d report dismissed; the comments stay visible.",
                "%(count)d reports dismissed; the comments stay visible.",
                reports,
            ),
            _("The selected comments had no open reports."),
        )


# The import pages register themselves (events/admin_imports.py).
from events import admin_imports  # noqa: E402, F401
