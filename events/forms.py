import re
from typing import Any, cast

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import DISPLAY_NAME_LENGTH, User
from events.importers.wxr import MAX_BYTES as WXR_MAX_BYTES
from events.models import (
    Audience,
    Comment,
    Event,
    PendingRSVP,
    Recap,
    Segment,
    Series,
    Venue,
)
from events.models.mailing import EVENT_SEGMENTS, MONTH_SEGMENTS, MONTHS
from events.models.series import MAX_DRAFTS
from somehub.lib.dates import format_local
from somehub.lib.images import open_upload


class CommentForm(forms.Form):
    """A comment or a reply. `website` is a honeypot: people never see or fill it."""

    body = forms.CharField(
        label=_("Your comment"),
        max_length=Comment.MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": Comment.MAX_LENGTH}),
        help_text=_(
            "Plain text, up to 5,000 characters. Links are turned into links; "
            "HTML is shown as typed."
        ),
        error_messages={
            "required": _("Please write something first."),
            "max_length": _(
                "A comment can be at most %(limit_value)d characters long "
                "(it has %(show_value)d)."
            ),
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, recap: Recap | None = None, **kwargs: Any) -> None:
        self.recap = recap
        super().__init__(*args, **kwargs)

    def clean_parent(self) -> Comment | None:
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        parent = None
        if self.recap is not None:
            parent = self.recap.comments.filter(pk=parent_id).first()
        if parent is None:
            raise forms.ValidationError(
                _("The comment you are replying to does not exist."), code="no_parent"
            )
        return parent

    @property
    def is_spam(self) -> bool:
        """Only bots fill in the field that people cannot see."""
        return bool(self.data.get(self.add_prefix("website"), "").strip())


class CommentEditForm(forms.Form):
    body = CommentForm.base_fields["body"]


class CommentReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this comment? (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
    )


# The Orga-Team ----------------------------------------------------------


def _n_months(months: int) -> Any:
    return ngettext_lazy("%(count)d month", "%(count)d months", "count") % {
        "count": months
    }


class MailingForm(forms.Form):
    """The Orga-Team's message: to whom (a segment and what it needs), and what.

    It validates and tidies; sending is Mailing.objects.send_message's business.
    """

    segment = forms.ChoiceField(label=_("To"), choices=Segment.choices)
    event = forms.ModelChoiceField(
        label=_("Evening"),
        queryset=Event.objects.published().order_by("-starts_at"),
        required=False,
        empty_label=_("Choose an evening"),
        help_text=_("For the recipients that belong to one evening."),
        error_messages={"invalid_choice": _("This evening could not be found.")},
    )
    months = forms.TypedChoiceField(
        label=_("In the last"),
        choices=[("", _("Choose")), *((m, _n_months(m)) for m in MONTHS)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Active: said yes, no or was checked in since then. Inactive: a "
            "member for that long, without any of it."
        ),
    )
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=User.objects.filter(is_active=True).select_related("profile"),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This member could not be found.")},
    )
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": 5000}),
        help_text=_(
            "Markdown: *italic*, **bold**, lists with -, links as [text](https://…). "
            "Each member gets their own e-mail with a greeting, in their language."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        evening = cast(forms.ModelChoiceField, self.fields["event"])
        evening.label_from_instance = _evening_label  # type: ignore[assignment]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "segment" not in data:
            return data
        audience = Audience(
            data["segment"],
            event=data.get("event") if data["segment"] in EVENT_SEGMENTS else None,
            months=data.get("months") if data["segment"] in MONTH_SEGMENTS else None,
            member=data.get("member") if data["segment"] == Segment.MEMBER else None,
        )
        try:
            audience.check()
        except ValidationError as exc:
            field = {"event": "event", "months": "months", "member": "member"}.get(
                exc.code or ""
            )
            self.add_error(field, exc)
        data["audience"] = audience
        return data


def _evening_label(event: Event) -> str:
    return f"{format_local(event.starts_at, 'medium')}: {event.title}"


class CheckInForm(forms.Form):
    """The state a tap on the door list asks for: here (1) or not here (0)."""

    here = forms.TypedChoiceField(
        choices=[("1", _("here")), ("0", _("not here"))], coerce=lambda v: v == "1"
    )


class CheckInCodeForm(forms.Form):
    """The text of a member's QR code, as the camera scanner or a hand scanner
    read it."""

    code = forms.CharField(
        label=_("Check-in code"),
        max_length=300,
        error_messages={
            "required": _("No code was read. Please scan again."),
            "max_length": _(
                "This is not a check-in code of this site (or it was altered). "
                "Please find the person with the search."
            ),
        },
    )


class WalkInForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This member could not be found.")},
    )


class CancelEventsForm(forms.Form):
    required_css_class = "required"  # the admin's marking of required fields
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text=_(
            "Shown on the event page and in the e-mail to everyone going or waiting."
        ),
    )


class RescheduleForm(forms.Form):
    """A new time or place for an evening; the admin shows whom it will e-mail
    before it calls Event.reschedule()."""

    required_css_class = "required"
    starts_at = forms.SplitDateTimeField(
        label=_("starts at"), widget=admin_widgets.AdminSplitDateTime
    )
    ends_at = forms.SplitDateTimeField(
        label=_("ends at"), widget=admin_widgets.AdminSplitDateTime
    )
    venue = forms.ModelChoiceField(label=_("venue"), queryset=Venue.objects.all())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("An evening cannot end before it begins."))
        return cleaned


class GenerateDraftsForm(forms.Form):
    required_css_class = "required"
    count = forms.IntegerField(
        label=_("How many dates?"), min_value=1, max_value=MAX_DRAFTS, initial=3
    )


# Imports in the admin ------------------------------------------------------------


class WordPressImportForm(forms.Form):
    required_css_class = "required"
    export = forms.FileField(
        label=_("WordPress export (WXR file)"),
        help_text=_(
            "In WordPress: Tools → Export → All content. The file ends in .xml."
        ),
    )
    categories = forms.CharField(
        label=_("Categories or tags that are recaps"),
        required=False,
        help_text=_(
            "Separated by commas, as names or slugs. Leave empty to import all posts."
        ),
    )
    pages = forms.BooleanField(
        label=_("Import the blog's pages too, as draft recaps"), required=False
    )

    def clean_export(self) -> bytes:
        upload = self.cleaned_data["export"]
        if upload.size > WXR_MAX_BYTES:
            raise ValidationError(_("The file is larger than 64 MB."))
        return upload.read()

    def clean_categories(self) -> list[str]:
        text = self.cleaned_data.get("categories") or ""
        return [c.strip() for c in text.split(",") if c.strip()]


class CalendarImportForm(forms.Form):
    required_css_class = "required"
    file = forms.FileField(
        label=_("Calendar file (.ics)"),
        required=False,
        help_text=_("Or give the calendar's address below."),
    )
    url = forms.CharField(
        label=_("Calendar address (iCal feed)"),
        required=False,
        max_length=2000,
        help_text=_(
            "For example the “secret address in iCal format” of a Google Calendar, "
            "a Nextcloud calendar link or a Meetup group's iCal feed."
        ),
    )
    series = forms.ModelChoiceField(
        label=_("Series"), queryset=Series.objects.all(), required=False
    )
    publish = forms.BooleanField(
        label=_("Publish the new dates at once"),
        required=False,
        help_text=_("Otherwise they are drafts you can look over first."),
    )
    since = forms.DateField(
        label=_("From"), help_text=_("Repeating dates are taken from this day on.")
    )
    until = forms.DateField(label=_("Until"))
    venue = forms.ModelChoiceField(
        label=_("Venue for dates without a place"),
        queryset=Venue.objects.all(),
        required=False,
        help_text=_("Otherwise the series' default venue."),
    )

    def clean_url(self) -> str:
        url = (self.cleaned_data.get("url") or "").strip()
        if url and not re.match(r"^(https?|webcals?)://[^\s/]+", url, re.I):
            raise ValidationError(
                _(
                    "Please give an address starting with https://, http:// or webcal://."
                )
            )
        return url

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise ValidationError(
                _("Choose a calendar file or give a calendar's address (one of them).")
            )
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end must not be before the start."))
        return cleaned


class RSVPByEmailForm(forms.Form):
    """ "I'm coming" from someone who is not logged in: an address, a name if they
    like. Nothing else: no password, no ticked boxes."""

    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("This does not look like an e-mail address."),
        },
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=DISPLAY_NAME_LENGTH,
        required=False,
        help_text=_("How others see you on the list of who is coming."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids of their own: the event page holds other forms too.
        kwargs.setdefault("auto_id", "rsvp-%s")
        super().__init__(*args, **kwargs)


class RSVPCodeForm(forms.Form):
    """The code from the e-mail; every try counts against the pending RSVP."""

    code = forms.CharField(
        label=_("Code from the e-mail"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Please enter the code from the e-mail.")},
    )

    def __init__(self, pending: PendingRSVP, *args: Any, **kwargs: Any) -> None:
        self.pending = pending
        kwargs.setdefault("auto_id", "rsvp-%s")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not self.pending.check_code(code):
            raise forms.ValidationError(
                _("This code is not right. Please check it and try again."),
                code="wrong_code",
            )
        return code


class AttendeePhotoForm(forms.Form):
    """A photo of the evening by someone who was there. The upload is decoded,
    checked and re-encoded without metadata (somehub.lib.images) before anything
    is kept; `decoded_image` holds the result."""

    # A plain file field: open_upload does every check, in the safe order.
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, up to 5 MB."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        error_messages={
            "required": _("Please choose a photo."),
            "empty": _("Please upload a JPEG, PNG or WebP photo."),
            "invalid": _("Please upload a JPEG, PNG or WebP photo."),
        },
    )
    alt_text = forms.CharField(
        label=_("What is in the photo?"),
        max_length=300,
        help_text=_(
            "A short description for people who cannot see the photo, e.g. "
            "“Five people laughing at a table in the pub”."
        ),
        error_messages={
            "required": _("Please describe the photo in a few words."),
            "max_length": _(
                "Please describe the photo in at most %(limit_value)d characters."
            ),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "photo-%s")
        super().__init__(*args, **kwargs)

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        if upload is not None:
            self.decoded_image = open_upload(upload)
        return upload

    def clean_alt_text(self) -> str:
        text = " ".join(self.cleaned_data.get("alt_text", "").split())
        if not text:
            raise ValidationError(_("Please describe the photo in a few words."))
        return text


class ContactForm(forms.Form):
    """A visitor's message to the Orga-Team. `website` is a honeypot: people
    never see or fill it."""

    MAX_LENGTH = 5000

    name = forms.CharField(
        label=_("Your name"),
        max_length=DISPLAY_NAME_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please tell us your name.")},
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We answer to this address; it is not shown anywhere."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please enter your e-mail address, so that we can answer."),
            "invalid": _("This does not look like an e-mail address."),
        },
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": MAX_LENGTH}),
        error_messages={
            "required": _("Please write your message."),
            "max_length": _(
                "A message can be at most %(limit_value)d characters long "
                "(it has %(show_value)d)."
            ),
        },
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "contact-%s")
        super().__init__(*args, **kwargs)

    @property
    def is_spam(self) -> bool:
        """Filled in the field people never see: a bot."""
        return bool(str(self.data.get("website", "")).strip())

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data.get("name", "").split())
        if not name:
            raise ValidationError(_("Please tell us your name."))
        return name

    def clean_message(self) -> str:
        text = self.cleaned_data.get("message", "").strip()
        if not text:
            raise ValidationError(_("Please write your message."))
        # Control characters (but line breaks and tabs) have no place in a mail.
        return "".join(c for c in text if c in "\n\t" or c.isprintable())
