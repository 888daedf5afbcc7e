from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Event, EventStatus
from impulses.models import Proposal, Wish, WishStatus
from somehub.lib.dates import format_local


class WishForm(forms.ModelForm):
    class Meta:
        model = Wish
        fields = ["title", "context"]
        labels = {"title": _("What would you like to hear about?")}
        widgets = {
            # Two lines: a wish is usually a whole question.
            "title": forms.Textarea(
                attrs={
                    "rows": 2,
                    "placeholder": _(
                        "How do I answer negative posts on our company's Facebook page?"
                    ),
                }
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels are headings of their fields, without Django's trailing colon.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if Wish.objects.open().filter(title__iexact=title).exists():
            raise forms.ValidationError(
                _("This topic is on the list already: give it your vote instead."),
                code="duplicate",
            )
        return title


class EventChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        day = format_local(obj.starts_at, "long")
        return f"{day}: {obj.motto}" if obj.motto else day


class ProposalForm(forms.ModelForm):
    """A member's talk proposal; only upcoming, published evenings can be preferred."""

    preferred_events = EventChoiceField(
        label=_("Preferred dates"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if any date suits you."),
    )

    class Meta:
        model = Proposal
        fields = [
            "title",
            "abstract",
            "length",
            "slides_url",
            "wish",
            "preferred_events",
            "private_note",
        ]
        widgets = {"length": forms.RadioSelect}
        labels = {"wish": _("Topic wish")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # A date that has begun or is not published cannot be chosen, even by hand.
        events = cast(forms.ModelMultipleChoiceField, self.fields["preferred_events"])
        events.queryset = Event.objects.filter(
            status=EventStatus.PUBLISHED, starts_at__gt=timezone.now()
        ).order_by("starts_at")
        wish = cast(forms.ModelChoiceField, self.fields["wish"])
        # Open wishes, plus the one this proposal already answers.
        wish.queryset = Wish.objects.filter(
            Q(status=WishStatus.OPEN) | Q(pk=self.instance.wish_id)
        ).order_by("title")
        wish.empty_label = _("No particular wish")
        wish.help_text = _("Does your talk answer one of the topic wishes?")
        self.fields["abstract"].widget.attrs["rows"] = 6
        self.fields["private_note"].widget.attrs["rows"] = 3
