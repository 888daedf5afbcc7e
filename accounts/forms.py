import hashlib
import re
from datetime import timedelta
from typing import Any, cast

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import ConfirmLoginCodeForm as AllauthConfirmLoginCodeForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from PIL import Image

from accounts import deletion
from accounts.limits import Limit, RateLimited
from accounts.models import Field, MailTopic, Profile, User
from somehub.lib.images import open_upload

# Guesses at a login code, counted per code in the database: allauth's own counter
# lives in the session, which parallel requests each read before any of them saves.
LOGIN_CODE_ATTEMPTS = Limit(
    "login-code",
    allauth_settings.LOGIN_BY_CODE_MAX_ATTEMPTS,
    timedelta(seconds=allauth_settings.LOGIN_BY_CODE_TIMEOUT),
    _("Too many wrong codes. Please ask for a new one."),
)
# Passwords tried on the "delete my account" form of a logged-in session.
PASSWORD_ATTEMPTS = Limit(
    "deletion-password",
    5,
    timedelta(minutes=15),
    _(
        "That was %(count)s wrong tries in %(minutes)s minutes. Please wait a "
        "little before you try again."
    ),
)

# Saves of one's own profile: enough for any careful editor, not for a loop that
# keeps the site's cached pages busy (every write ends them).
PROFILE_SAVES = Limit(
    "profile",
    20,
    timedelta(hours=1),
    _(
        "You have saved your profile %(count)s times in the last %(minutes)s "
        "minutes. Please wait a little before you save it again."
    ),
)

HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
LINK_FIELDS = ["website", "linkedin", "instagram", "mastodon", "x", "tiktok"]
LINK_PLACEHOLDERS = {
    "website": "https://",
    "linkedin": "https://www.linkedin.com/in/…",
    "instagram": "https://www.instagram.com/…",
    "mastodon": "https://mastodon.social/@…",
    "x": "https://x.com/…",
    "tiktok": "https://www.tiktok.com/@…",
}


class LoginForm(AllauthLoginForm):
    """allauth's login form with plain labels instead of placeholders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail address")
        if "remember" in self.fields:
            self.fields["remember"].label = _("Stay logged in on this device")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
            field.help_text = ""


class SignupForm(AllauthSignupForm):
    """E-mail address first; a name and a password are optional (login by code)."""

    display_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=80,
        required=False,
        help_text=_("How others see you, e.g. on the list of who is coming."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["email", "display_name", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.fields["email"].widget.attrs.pop("placeholder", None)
        if "password1" in self.fields:
            self.fields["password1"].label = _("Password (optional)")
            self.fields["password1"].help_text = _(
                "Leave it empty if you'd rather log in with a code we e-mail you. "
                "If you choose one: at least 8 characters, not only digits."
            )
            self.fields["password1"].widget.attrs.pop("placeholder", None)
        if "password2" in self.fields:
            self.fields["password2"].label = _("Password again")
            self.fields["password2"].widget.attrs.pop("placeholder", None)


class ProfileForm(forms.ModelForm):
    new_photo = forms.FileField(
        label=_("New photo"),
        required=False,
        help_text=_(
            "JPEG, PNG or WebP, at most 5 MB. We cut it to a square and remove all "
            "hidden data such as the place it was taken."
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "handle",
            "field",
            "organisation",
            "role",
            "bio",
            "challenge",
            *LINK_FIELDS,
            "visibility",
            "show_in_attendee_lists",
            "preferred_language",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "challenge": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "handle": _(
                "Your address on this site: /members/your-handle/. Lower-case "
                "letters, digits, - and _."
            ),
            "challenge": _("What are you struggling with in social media right now?"),
            "visibility": _("Logged-out visitors only ever see profiles for everyone."),
            "show_in_attendee_lists": _(
                "Others see your name on the list of who is coming."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["field"])
        field.choices = [("", _("Not specified")), *Field.choices]
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"
        self.fields["role"].widget.attrs["autocomplete"] = "organization-title"
        for name in LINK_FIELDS:
            self.fields[name].validators.append(URLValidator(schemes=["http", "https"]))
            self.fields[name].widget.attrs["placeholder"] = LINK_PLACEHOLDERS[name]

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lower()
        if not HANDLE_RE.match(handle):
            raise forms.ValidationError(
                _(
                    "Use 2 to 40 lower-case letters, digits, - or _, starting with a "
                    "letter or digit."
                ),
                code="invalid",
            )
        taken = Profile.objects.filter(handle__iexact=handle).exclude(
            pk=self.instance.pk
        )
        if taken.exists():
            raise forms.ValidationError(
                _("This handle is taken. Please choose another one."), code="unique"
            )
        return handle

    def clean_new_photo(self) -> Image.Image | None:
        upload = self.cleaned_data.get("new_photo")
        return open_upload(upload) if upload else None


class DirectoryFilterForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field of work"),
        choices=[("", _("All fields")), *Field.choices],
        required=False,
    )


class DeleteAccountForm(forms.Form):
    """Confirms a deletion with the password, or with an e-mailed code when the
    member has no password (they log in by code)."""

    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."), required=True
    )

    def __init__(self, user: User, session: SessionBase, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.session = session
        if user.has_usable_password():
            self.fields["password"] = forms.CharField(
                label=_("Your password"),
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        else:
            self.fields["code"] = forms.CharField(
                label=_("Code from the e-mail"),
                max_length=20,
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "one-time-code",
                        "autocapitalize": "characters",
                        "spellcheck": "false",
                    }
                ),
            )
        self.order_fields(["password", "code", "confirm"])

    @property
    def needs_code(self) -> bool:
        return "code" in self.fields

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        try:
            PASSWORD_ATTEMPTS.spend(self.user)
        except RateLimited as exc:
            raise forms.ValidationError(exc.message, code="rate_limited") from exc
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("This password is not right."), code="wrong_password"
            )
        return password

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not deletion.check_code(self.session, self.user, code):
            raise forms.ValidationError(
                _("This code is not right or has expired. Ask for a new one."),
                code="wrong_code",
            )
        return code


class ConfirmLoginCodeForm(AllauthConfirmLoginCodeForm):
    """allauth's code form; every guess counts, atomically, against its code."""

    def clean_code(self) -> str:
        expected = self.expected_code or ""
        # The code itself is not stored: a keyed hash of it names its counter.
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{expected}".encode())
        try:
            LOGIN_CODE_ATTEMPTS.spend(subject=digest.hexdigest()[:40])
        except RateLimited as exc:
            error = get_adapter().validation_error("too_many_login_attempts")
            raise error from exc
        return super().clean_code()


class MailPreferencesForm(forms.Form):
    """One switch per kind of mail a member may choose (MailTopic)."""

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.topics = MailTopic.offered_to(profile.user)
        for topic in self.topics:
            self.fields[topic.field] = forms.BooleanField(
                label=topic.label,
                help_text=topic.description,
                required=False,
                initial=profile.wants(topic),
            )

    def save(self) -> list[MailTopic]:
        """Store the choices; returns the kinds that changed."""
        changed = [
            topic
            for topic in self.topics
            if self.cleaned_data[topic.field] != self.profile.wants(topic)
        ]
        for topic in self.topics:
            setattr(self.profile, topic.field, self.cleaned_data[topic.field])
        self.profile.save(
            update_fields=[*(topic.field for topic in self.topics), "updated_at"]
        )
        return changed
