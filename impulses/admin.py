"""The Orga-Team reviews proposals, plans agendas and tidies wishes here.

Status changes go through the model methods (accept, decline, schedule, merge), so the
admin sends the same mails and keeps the same rules as everything else.
"""

from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.models import Event, EventStatus
from impulses.models import AgendaItem, Proposal, Wish


class WishAdminForm(forms.ModelForm):
    class Meta:
        model = Wish
        fields = ["title", "context", "status", "taken_up_event"]


@admin.register(Wish)
class WishAdmin(admin.ModelAdmin):
    form = WishAdminForm
    list_display = ["title", "status", "votes", "author", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "context"]
    list_select_related = ["author__profile"]
    readonly_fields = ["author", "merged_into", "created_at"]
    autocomplete_fields = ["taken_up_event"]
    actions = ["merge_selected", "close_selected", "reopen_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Wish]:
        return super().get_queryset(request).annotate(vote_total=Count("votes"))

    @admin.display(description=_("votes"), ordering="vote_total")
    def votes(self, wish: Wish) -> int:
        return int(getattr(wish, "vote_total"))  # noqa: B009 - annotated above

    @admin.action(
        description=_("Merge the selected wishes into the one with most votes")
    )
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Wish]) -> None:
        # (vote_total: annotated by get_queryset, unseen by the type checker)
        wishes = list(queryset.order_by("-vote_total", "created_at"))  # type: ignore[misc]
        if len(wishes) < 2:
            self.message_user(
                request, _("Select at least two wishes."), messages.WARNING
            )
            return
        target, duplicates = wishes[0], wishes[1:]
        try:
            for duplicate in duplicates:
                duplicate.merge_into(target)
        except ValidationError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return
        self.message_user(
            request,
            _("Merged %(count)d wishes into “%(title)s”.")
            % {"count": len(duplicates), "title": target.title},
            messages.SUCCESS,
        )

    @admin.action(description=_("Close the selected wishes"))
    def close_selected(self, request: HttpRequest, queryset: QuerySet[Wish]) -> None:
        for wish in queryset:
            wish.close()

    @admin.action(description=_("Reopen the selected wishes"))
    def reopen_selected(self, request: HttpRequest, queryset: QuerySet[Wish]) -> None:
        for wish in queryset.filter(merged_into__isnull=True):
            wish.reopen()


class ProposalAdminForm(forms.ModelForm):
    """The proposal plus the organizer's decision: accept, decline or schedule."""

    DECISIONS = [
        ("", _("— no change —")),
        ("accept", _("Accept")),
        ("decline", _("Decline")),
        ("schedule", _("Schedule on an evening's agenda")),
    ]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, required=False)
    message = forms.CharField(
        label=_("Message to the proposer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        help_text=_(
            "Sent by e-mail in the proposer's language with an accept or decline."
        ),
    )
    schedule_event = forms.ModelChoiceField(
        label=_("Evening"),
        queryset=Event.objects.none(),
        required=False,
        empty_label=_("— choose an evening —"),
    )
    schedule_time = forms.TimeField(
        label=_("Time"),
        required=False,
        help_text=_("For example 19:30 (Berlin time)."),
    )

    class Meta:
        model = Proposal
        fields = ["title", "abstract", "length", "slides_url", "wish"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event_field = cast(forms.ModelChoiceField, self.fields["schedule_event"])
        event_field.queryset = Event.objects.filter(
            ends_at__gte=timezone.now()
        ).exclude(status=EventStatus.CANCELLED)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        decision = data.get("decision")
        if decision and not self.instance.can(decision):
            raise ValidationError(
                _("A proposal that is %(status)s cannot be changed that way."),
                params={"status": self.instance.get_status_display().lower()},
            )
        if decision == "schedule":
            event, at = data.get("schedule_event"), data.get("schedule_time")
            if event is None or at is None:
                raise ValidationError(_("Choose the evening and the time."))
            day = timezone.localtime(event.starts_at).date()
            data["schedule_at"] = timezone.make_aware(datetime.combine(day, at))
            if not event.starts_at <= data["schedule_at"] < event.ends_at:
                self.add_error(
                    "schedule_time", _("The time must lie within the evening.")
                )
        return data


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    form = ProposalAdminForm
    list_display = ["title", "proposer", "length", "status", "created_at"]
    list_filter = [
        "status",
        "length",
        ("preferred_events", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "title",
        "abstract",
        "proposer__email",
        "proposer__profile__display_name",
    ]
    list_select_related = ["proposer__profile"]
    readonly_fields = [
        "proposer",
        "status",
        "private_note",
        "preferred_dates",
        "organizer_message",
        "decided_at",
        "created_at",
    ]
    autocomplete_fields = ["wish"]
    actions = ["accept_selected", "decline_selected"]
    fieldsets = [
        (None, {"fields": ["title", "abstract", "length", "slides_url", "wish"]}),
        (
            _("From the proposer, for the Orga-Team"),
            {"fields": ["proposer", "private_note", "preferred_dates", "created_at"]},
        ),
        (
            _("Decision"),
            {
                "fields": [
                    "status",
                    "organizer_message",
                    "decided_at",
                    "decision",
                    "message",
                    "schedule_event",
                    "schedule_time",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Proposals come from members; the Orga-Team's own talks go on the agenda.
        return False

    @admin.display(description=_("preferred dates"))
    def preferred_dates(self, proposal: Proposal) -> str:
        return ", ".join(str(e) for e in proposal.preferred_events.all()) or "—"

    def save_model(
        self, request: HttpRequest, obj: Proposal, form: forms.Form, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        data = form.cleaned_data
        if data.get("decision") == "accept":
            obj.accept(data.get("message", ""))
        elif data.get("decision") == "decline":
            obj.decline(data.get("message", ""))
        elif data.get("decision") == "schedule":
            obj.schedule(data["schedule_event"], data["schedule_at"])

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Proposal], action: str
    ) -> None:
        done = 0
        for proposal in queryset.select_related("proposer__profile"):
            if proposal.can(action):
                getattr(proposal, action)()
                done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d proposal changed.", "%(count)d proposals changed.", done
            )
            % {"count": done},
        )

    @admin.action(description=_("Accept the selected proposals (without a message)"))
    def accept_selected(
        self, request: HttpRequest, queryset: QuerySet[Proposal]
    ) -> None:
        self._decide(request, queryset, "accept")

    @admin.action(description=_("Decline the selected proposals (without a message)"))
    def decline_selected(
        self, request: HttpRequest, queryset: QuerySet[Proposal]
    ) -> None:
        self._decide(request, queryset, "decline")


class AgendaRowForm(forms.ModelForm):
    """A row of the agenda list: the time in one short field ("19:30" on the
    evening's day, or a full "26.01.2027 19:30"), not a date and a time field
    with their pickers, which made every row tall and cut columns off."""

    starts_at = forms.CharField(
        label=_("starts at"),
        widget=forms.TextInput(attrs={"size": 16, "inputmode": "numeric"}),
    )

    class Meta:
        model = AgendaItem
        fields = ["order", "starts_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.starts_at:
            local = timezone.localtime(self.instance.starts_at)
            self.initial["starts_at"] = local.strftime("%d.%m.%Y %H:%M")

    def clean_starts_at(self) -> datetime:
        text = " ".join(self.cleaned_data["starts_at"].split())
        day = timezone.localtime(self.instance.event.starts_at).date()
        for pattern in ("%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M", "%H:%M"):
            try:
                parsed = datetime.strptime(text, pattern)
            except ValueError:
                continue
            if pattern == "%H:%M":
                parsed = datetime.combine(day, parsed.time())
            return timezone.make_aware(parsed)
        raise ValidationError(
            _("Enter a time like 19:30, or a date and time like 26.01.2027 19:30.")
        )


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "order", "starts_at", "speaker_display", "length"]
    list_display_links = ["title"]
    list_editable = ["order", "starts_at"]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        return AgendaRowForm

    class Media:
        css = {"all": ["css/admin-orga.css"]}

    list_filter = [("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "speaker_name", "speaker__email"]
    list_select_related = ["event", "speaker__profile"]
    autocomplete_fields = ["event", "speaker", "proposal"]
    ordering = ["-event__starts_at", "order", "starts_at"]

    @admin.display(description=_("speaker"))
    def speaker_display(self, item: AgendaItem) -> str:
        return item.speaker_display or "—"
