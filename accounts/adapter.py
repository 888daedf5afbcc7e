import hashlib
import logging
import smtplib
from datetime import timedelta
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import perform_login, record_authentication
from allauth.account.models import EmailConfirmation, Login
from allauth.account.utils import get_next_redirect_url
from allauth.core.internal.httpkit import add_query_params
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts.limits import Limit, RateLimited
from accounts.models import Profile, User
from somehub.lib.mail import AUTOMATIC_HEADERS

logger = logging.getLogger(__name__)

# Login codes e-mailed to one address, counted atomically in the database (allauth's
# own per-address limit sits in the cache, read and written by parallel requests).
LOGIN_CODE_MAILS = Limit(
    "login-code-mail",
    5,
    timedelta(minutes=15),
    _("We sent you several codes just now. Please use the newest one."),
)


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the SoMeHub way: a profile with every account, local redirects only,
    e-mails in the member's language, messages in the community's informal tone."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _(
            "The e-mail address or the password is not right. Please try again."
        ),
        "email_taken": _(
            "There is already an account with this e-mail address. Log in instead?"
        ),
        "enter_current_password": _("Please enter your current password."),
        "incorrect_code": _("This code is not right."),
        "incorrect_password": _("This password is not right."),
        "too_many_login_attempts": _(
            "Too many failed attempts to log in. Please wait a few minutes and try "
            "again, or ask for a login code by e-mail."
        ),
        "rate_limited": _("That was a lot of requests. Please wait a moment."),
        "unknown_email": _("We don't know this e-mail address."),
    }

    def save_user(
        self, request: HttpRequest, user: Any, form: BaseForm, commit: bool = True
    ) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            Profile.objects.create_for(
                user,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                name=form.cleaned_data.get("display_name", ""),
            )
        return user

    def is_safe_url(self, url: str | None) -> bool:
        """Only paths on this site: an absolute URL in `next`, even to an allowed
        host, is ignored, so a crafted login link can never send anyone away."""
        if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
            return False
        return url_has_allowed_host_and_scheme(url, allowed_hosts=set())

    def log_in_by_code(
        self, request: HttpRequest, user: User, email: str, *, redirect_url: str
    ) -> HttpResponse:
        """Log in the owner of `email`, who has just proven it with a code or a
        link we e-mailed (an RSVP by e-mail), the way allauth's own login by code
        finishes: recorded as a code login, through allauth's stages and hooks
        (an inactive account is turned away there)."""
        record_authentication(request, user, method="code", email=email)
        login = Login(user=user, email=email, redirect_url=redirect_url)
        return perform_login(request, login)

    def get_email_confirmation_url(
        self, request: HttpRequest, emailconfirmation: EmailConfirmation
    ) -> str:
        """The confirmation link keeps where the member came from (`next`), so that
        it leads back there even when opened in another browser or on a phone."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = get_next_redirect_url(request) if request is not None else None
        return add_query_params(url, {"next": next_url}) if next_url else url

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        """Account mails (codes, confirmations) are sent by the site, not a person:
        no out-of-office replies to them (somehub.lib.mail)."""
        return super().render_mail(
            template_prefix, email, context, {**AUTOMATIC_HEADERS, **(headers or {})}
        )

    def send_mail(
        self,
        template_prefix: str,
        email: str,
        context: dict,
        *,
        tell_visitor: bool = True,
    ) -> bool:
        """Every account e-mail in the recipient's own language.

        A mail server that is down must not turn a sign-up (whose account is saved
        already) or a login-code request into a 500: the member is told to try again
        in a moment instead (unless the caller says so where the form is). Returns
        whether the mail went out.
        """
        context = {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            **context,
        }
        next_url = get_next_redirect_url(self.request) if self.request else None
        if next_url and "signup_url" in context:
            # "We don't know this address" offers to join, and the way back to the
            # page the visitor came from (where an RSVP needs just the address).
            context["signup_url"] = add_query_params(
                context["signup_url"], {"next": next_url}
            )
            context["next_url"] = settings.SITE_URL + next_url
        if template_prefix == "account/email/login_code":
            address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
            try:
                LOGIN_CODE_MAILS.spend(subject=address[:40])
            except RateLimited as exc:
                if self.request is not None:
                    messages.warning(self.request, exc.message)
                return False
        try:
            with translation.override(self._language_for(email, context)):
                super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError):
            logger.exception("Could not send the account e-mail %s", template_prefix)
            if self.request is not None and tell_visitor:
                messages.error(
                    self.request,
                    _(
                        "We could not send you the e-mail just now. Please try "
                        "again in a few minutes."
                    ),
                )
            return False
        return True

    def _language_for(self, email: str, context: dict) -> str:
        user = context.get("user")
        if not isinstance(user, get_user_model()):
            user = User.objects.filter(email__iexact=email).first()
        profile = Profile.objects.filter(user=user).first() if user else None
        if profile is not None:
            return profile.preferred_language
        return translation.get_language() or settings.LANGUAGE_CODE
