import json

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts import deletion
from accounts import unsubscribe as unsubscribe_tokens
from accounts.decorators import member_required
from accounts.forms import (
    PROFILE_SAVES,
    DeleteAccountForm,
    DirectoryFilterForm,
    MailPreferencesForm,
    ProfileForm,
)
from accounts.limits import RateLimited
from accounts.models import (
    ESSENTIAL_MAILS,
    LegalPage,
    Profile,
    account_sections,
    deletion_notes,
    member_of,
)
from somehub.lib.pagination import paginate

PROFILES_PER_PAGE = 24


def get_profile_for(request: HttpRequest, handle: str) -> Profile:
    """The profile behind a URL, or 404 for anyone its owner did not show it to:
    a hidden profile looks exactly like one that does not exist."""
    profile = get_object_or_404(
        Profile.objects.select_related("user"),
        handle=handle.lower(),
        user__is_active=True,
    )
    if not profile.is_visible_to(request.user):
        raise Http404("No such member.")
    return profile


@require_safe
def profile_detail(request: HttpRequest, handle: str) -> HttpResponse:
    profile = get_profile_for(request, handle)
    if handle != profile.handle:
        return redirect(profile, permanent=True)
    is_owner = request.user.pk == profile.user_id
    context = {"profile": profile, "is_owner": is_owner}
    return render(request, "accounts/profile_detail.html", context)


@require_safe
@member_required
def profile_list(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    field = form.cleaned_data["field"] if form.is_valid() else ""

    profiles = Profile.objects.listed().visible_to(request.user)
    page = paginate(request, profiles.in_field(field).alphabetical(), PROFILES_PER_PAGE)
    context = {"form": form, "page": page, "field": field}
    return render(request, "accounts/profile_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = Profile.objects.for_member(member_of(request))
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with PROFILE_SAVES.use(member_of(request)):
                profile = form.save()
                if form.cleaned_data["new_photo"] is not None:
                    profile.replace_photo(form.cleaned_data["new_photo"])
                elif form.cleaned_data["remove_photo"]:
                    profile.remove_photo()
        except RateLimited as exc:
            # What they typed stays in the form.
            form.add_error(None, exc.message)
            status = 429
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect(profile)
    return render(request, "accounts/profile_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mail_preferences(request: HttpRequest) -> HttpResponse:
    """Which e-mails the member gets: a switch per kind, and the essential ones."""
    profile = Profile.objects.for_member(member_of(request))
    form = MailPreferencesForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("accounts:mail-preferences")
    context = {"form": form, "essential": ESSENTIAL_MAILS, "profile": profile}
    return render(request, "accounts/mail_preferences.html", context)


@login_required
@require_safe
def account_overview(request: HttpRequest) -> HttpResponse:
    context = {
        "profile": Profile.objects.for_member(member_of(request)),
        "addresses": EmailAddress.objects.filter(user=request.user).order_by(
            "-primary", "email"
        ),
        "sections": account_sections(request),
    }
    return render(request, "accounts/account_detail.html", context)


@login_required
@require_safe
def export_data(request: HttpRequest) -> HttpResponse:
    """Everything stored about the member, as a JSON file (DSGVO Art. 15 and 20)."""
    # Read afresh: the logged-in member may come from the page cache, which a login
    # (the time of it) leaves alone.
    member = get_user_model().objects.get(pk=member_of(request).pk)
    body = json.dumps(
        member.export_data(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"somehub-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(member_of(request), request.session, request.POST or None)
    if request.method == "POST" and form.is_valid():
        member_of(request).delete_account()
        logout(request)
        messages.success(request, _("Your account and your data are deleted. Goodbye!"))
        return redirect("events:home")
    context = {
        "form": form,
        "notes": deletion_notes(),
        "code_sent": deletion.has_code(request.session),
    }
    return render(request, "accounts/account_confirm_delete.html", context)


@login_required
@require_POST
def send_deletion_code(request: HttpRequest) -> HttpResponse:
    """E-mail a code that confirms the deletion, for members without a password."""
    if not deletion.may_issue_code(request.session):
        messages.warning(
            request, _("We sent you a code a moment ago. Please look in your inbox.")
        )
        return redirect("accounts:delete")
    try:
        code = deletion.issue_code(request.session, member_of(request))
    except RateLimited as exc:
        messages.warning(request, exc.message)
        return redirect("accounts:delete")
    member = member_of(request)
    context = {"user": member, "code": code}
    sent = get_adapter(request).send_mail(
        "accounts/email/deletion_code", member.email, context
    )
    if not sent:  # the adapter has told the member already
        return redirect("accounts:delete")
    messages.success(
        request, _("We sent a code to %(email)s.") % {"email": member.email}
    )
    return redirect("accounts:delete")


@require_safe
def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    page = get_object_or_404(LegalPage, kind=kind)
    return render(request, "accounts/legalpage_detail.html", {"page": page})


@csrf_exempt  # Signed per member and kind; RFC 8058 POSTs carry no CSRF token.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    profile, topic = unsubscribe_tokens.read_token(token)
    changed = None
    if request.method == "POST":
        # The page's "turn it back on" sends subscribe=1; a mail program's
        # one-click POST sends List-Unsubscribe=One-Click, and means off.
        on = request.POST.get("subscribe") == "1"
        if profile.wants(topic) != on:
            profile.choose_mail(topic, on)
        changed = "on" if on else "off"
    # In the member's own language when they come from a mail (not logged in).
    language = (
        translation.get_language()
        if request.user.is_authenticated
        else profile.preferred_language
    )
    with translation.override(language):
        response = render(
            request,
            "accounts/unsubscribe.html",
            {
                "topic": topic,
                "subscribed": profile.wants(topic),
                "changed": changed,
                "token": token,
                "email": profile.user.email,
            },
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
