"""Recaps, their comment threads, and what members and the Orga-Team do with them."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.limits import RateLimited
from accounts.models import Viewer, ViewerKind, member_of
from core.pagecache import cache_for_visitors, shared_piece
from events.forms import (
    AttendeePhotoForm,
    CommentEditForm,
    CommentForm,
    CommentReportForm,
)
from events.models import Comment, Recap, RecapPhoto
from events.models.recap import MANAGE_RECAPS, MODERATE_COMMENTS, Attendance
from somehub.lib.pagination import paginate

RECAPS_PER_PAGE = 10


def get_recap_for(request: HttpRequest, slug: str) -> Recap:
    """The recap behind a URL, or 404: drafts exist for the Orga-Team only."""
    # The photos come along: the text of an imported post places some of them.
    # Only approved ones: an attendee's photo waits for the Orga-Team.
    recaps = (
        Recap.objects.with_event()
        .with_viewer_attendance(request.user)
        .prefetch_related(Prefetch("photos", queryset=RecapPhoto.objects.approved()))
    )
    recap = get_object_or_404(recaps, slug=slug)
    if not recap.is_published and not request.user.has_perm("events.view_recap"):
        raise Http404("No such recap.")
    return recap


def get_comment_for(request: HttpRequest, slug: str, pk: int) -> Comment:
    """A comment of that recap, or 404: a guessed id from elsewhere finds nothing."""
    recap = get_recap_for(request, slug)
    comment = get_object_or_404(
        Comment.objects.select_related("author"), recap=recap, pk=pk
    )
    comment.recap = recap
    return comment


def login_first(request: HttpRequest, slug: str) -> HttpResponseBase | None:
    """Send a visitor to log in and back to the recap (never to a POST-only URL)."""
    if request.user.is_authenticated:
        return None
    return redirect_to_login(get_recap_path(slug) + "#comment-form")


def get_recap_path(slug: str) -> str:
    return Recap(slug=slug).get_absolute_url()


def require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@require_safe
@cache_for_visitors(params=("page",))
def recap_list(request: HttpRequest) -> HttpResponse:
    recaps = Recap.objects.published().with_event().with_comment_counts().newest_first()
    page = paginate(request, recaps, RECAPS_PER_PAGE)
    return render(request, "events/recap_list.html", {"page": page})


@require_safe
@cache_for_visitors()
def recap_detail(request: HttpRequest, slug: str) -> HttpResponse:
    recap = get_recap_for(request, slug)
    return render_recap(request, recap)


def render_recap(
    request: HttpRequest,
    recap: Recap,
    form: CommentForm | None = None,
    status: int = 200,
    photo_form: AttendeePhotoForm | None = None,
) -> HttpResponse:
    """The recap page; a form that failed comes back in its place, with its errors.

    The article and the comment thread are the same for every visitor, and for
    every ordinary member who has not written in the thread: kept as a shared piece
    (core/pagecache.py). Authors (their own comments have edit and delete), the
    Orga-Team and a reply form in the thread get theirs rendered.
    """
    user = request.user
    context: dict[str, Any] = {
        "recap": recap,
        "event": recap.event,
        "can_manage": user.has_perm(MANAGE_RECAPS),
        "form": form or CommentForm(),
    }
    kind = ViewerKind.of(user)
    if (
        kind is not None
        and form is None
        and "reply" not in request.GET
        and not user.has_perm(MODERATE_COMMENTS)
        and not (user.is_authenticated and recap.comments.filter(author=user).exists())
    ):
        context["main"] = shared_piece(
            "events/recap_detail.html#recap-main", recap_main, recap=recap, kind=kind
        )
    else:
        thread = recap.comment_thread(user)
        reply_to = _reply_target(request, form, thread)
        context |= recap_main_for(recap, user, thread)
        context |= {
            "reply_to": reply_to,
            "reply_form": form if reply_to is not None else None,
            "form": form if form is not None and reply_to is None else CommentForm(),
        }
    if user.is_authenticated:
        # Attendees' photos: the member's own, and a form for those who were there.
        # (Only those who were there can have added any.)
        may_add = recap.may_add_photos(user)
        context["may_add_photos"] = may_add
        context["my_photos"] = list(recap.photos_by(user)) if may_add else []
        context["photo_form"] = photo_form or AttendeePhotoForm()
    return render(request, "events/recap_detail.html", context, status=status)


def recap_main(recap: Recap, kind: str) -> dict[str, Any]:
    """The article and thread as every viewer of this kind sees them."""
    viewer = ViewerKind(kind).stand_in()
    return recap_main_for(recap, viewer, recap.comment_thread(viewer))


def recap_main_for(recap: Recap, viewer: Any, thread: list[Comment]) -> dict[str, Any]:
    return {
        "recap": recap,
        "event": recap.event,
        "facts": RecapFacts(recap, viewer),
        "thread": thread,
        "comment_count": sum(c.shows_text + len(c.shown_replies) for c in thread),
    }


class RecapFacts:
    """What the recap's article shows besides the recap itself, read as the
    template asks for it."""

    def __init__(self, recap: Recap, viewer: Viewer | None) -> None:
        self.recap = recap
        self.viewer = viewer

    @cached_property
    def attendance(self) -> Attendance:
        return self.recap.attendance()

    @cached_property
    def attendees(self) -> list[Any]:
        return self.attendance.listed_for(self.viewer)

    @cached_property
    def unlisted_count(self) -> int:
        return self.attendance.total - len(self.attendees)

    @cached_property
    def photos(self) -> list[Any]:
        # Photos the text places itself are not shown a second time.
        return [
            p
            for p in self.recap.photos.all()
            if p.is_approved and p.pk != self.recap.cover_id and not p.in_text
        ]


def _reply_target(
    request: HttpRequest, form: CommentForm | None, thread: list[Comment]
) -> int | None:
    """The comment to show a reply form under, if the viewer may answer it.

    A reply that was refused (its comment hidden, or a reply itself) comes back in
    the main form instead, so that the member's text is not lost.
    """
    raw = form.data.get("parent") if form is not None else request.GET.get("reply")
    try:
        target = int(raw) if raw else None
    except (TypeError, ValueError):
        return None
    replyable = {c.pk for c in thread if c.viewer_can_reply}
    return target if target in replyable else None


@require_POST
def comment_create(request: HttpRequest, slug: str) -> HttpResponseBase:
    recap = get_recap_for(request, slug)
    if response := login_first(request, slug):
        return response
    form = CommentForm(request.POST, recap=recap)
    if form.is_spam:
        return redirect(recap)  # said nothing to the bot, kept nothing
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            comment = recap.add_comment(
                member_of(request), data["body"], data["parent"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            messages.success(request, _("Thanks! Your comment is online."))
            return redirect(comment.get_absolute_url())
    return render_recap(request, recap, form, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    if comment.author_id != request.user.pk:
        raise PermissionDenied
    if not comment.is_editable_by(request.user):
        messages.error(
            request,
            _(
                "A comment can only be edited in the first %(minutes)s minutes "
                "after writing it."
            )
            % {"minutes": int(Comment.EDIT_WINDOW.total_seconds() // 60)},
        )
        return redirect(comment.get_absolute_url())
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            comment.edit(member_of(request), form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_error("body", exc)
        except RateLimited as exc:
            # The new text stays in the form.
            form.add_error("body", exc.message)
            status = 429
        else:
            messages.success(request, _("Your comment has been changed."))
            return redirect(comment.get_absolute_url())
    context = {"comment": comment, "recap": comment.recap, "form": form}
    return render(request, "events/comment_form.html", context, status=status)


@require_POST
def comment_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    if not comment.is_deletable_by(request.user):
        raise PermissionDenied
    comment.delete_by(member_of(request))
    messages.success(request, _("The comment has been deleted."))
    return redirect(comment.recap.get_absolute_url() + "#comments")


@require_POST
def comment_hide(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    require_perm(request, MODERATE_COMMENTS)
    closed = comment.hide(by=member_of(request))
    messages.success(request, hidden_note(closed))
    return redirect(comment.get_absolute_url())


def hidden_note(closed_reports: int) -> str:
    if not closed_reports:
        return _("The comment is hidden now.")
    return ngettext(
        "The comment is hidden now; its report is closed.",
        "The comment is hidden now; its %(count)d reports are closed.",
        closed_reports,
    ) % {"count": closed_reports}


@require_POST
def comment_unhide(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    require_perm(request, MODERATE_COMMENTS)
    comment.unhide(by=member_of(request))
    messages.success(request, _("The comment is visible again."))
    return redirect(comment.get_absolute_url())


@require_http_methods(["GET", "HEAD", "POST"])
def comment_report(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    form = CommentReportForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            _check_verified(request)
            comment.report(member_of(request), form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Thank you. The Orga-Team will take a look at this comment.")
            )
        return redirect(comment.get_absolute_url())
    context = {"comment": comment, "recap": comment.recap, "form": form}
    return render(
        request,
        "events/comment_report.html",
        context,
        status=400 if form.is_bound else 200,
    )


def _check_verified(request: HttpRequest) -> None:
    if not member_of(request).has_verified_email:
        raise ValidationError(_("Please confirm your e-mail address first."))


@login_required
@require_POST
def claim_comments(request: HttpRequest) -> HttpResponseBase:
    """The member takes over their guest comments from the old blog."""
    count = Comment.objects.claim_for(member_of(request))
    if count:
        messages.success(
            request,
            ngettext(
                "Done: %(count)d comment from the old blog is yours now.",
                "Done: %(count)d comments from the old blog are yours now.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("There are no comments left to take over."))
    return redirect("accounts:account")


@require_POST
def recap_close_comments(request: HttpRequest, slug: str) -> HttpResponseBase:
    recap = get_recap_for(request, slug)
    if response := login_first(request, slug):
        return response
    require_perm(request, MANAGE_RECAPS)
    recap.close_comments(by=member_of(request))
    messages.success(request, _("Comments on this recap are closed now."))
    return redirect(recap.get_absolute_url() + "#comments")


@require_POST
def recap_open_comments(request: HttpRequest, slug: str) -> HttpResponseBase:
    recap = get_recap_for(request, slug)
    if response := login_first(request, slug):
        return response
    require_perm(request, MANAGE_RECAPS)
    recap.open_comments(by=member_of(request))
    messages.success(request, _("Comments on this recap are open again."))
    return redirect(recap.get_absolute_url() + "#comments")


# Attendees' photos ----------------------------------------------------------------


def photos_anchor(recap: Recap) -> str:
    return recap.get_absolute_url() + "#your-photos"


@require_POST
def photo_add(request: HttpRequest, slug: str) -> HttpResponseBase:
    """A member who was there adds a photo; it waits for the Orga-Team."""
    recap = get_recap_for(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(get_recap_path(slug) + "#your-photos")
    if not recap.may_add_photos(request.user):
        raise PermissionDenied
    form = AttendeePhotoForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            recap.add_attendee_photo(
                request.user, form.decoded_image, form.cleaned_data["alt_text"]
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            messages.success(
                request,
                _(
                    "Thank you! Your photo is shown once the Orga-Team has "
                    "looked at it."
                ),
            )
            return redirect(photos_anchor(recap))
    return render_recap(request, recap, status=status, photo_form=form)


@require_POST
def photo_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    """The member takes back a photo they added (pending, shown or not)."""
    recap = get_recap_for(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(get_recap_path(slug) + "#your-photos")
    photo = get_object_or_404(
        RecapPhoto.objects.filter(contributor=request.user), recap=recap, pk=pk
    )
    photo.recap = recap
    photo.withdraw(request.user)
    messages.success(request, _("Your photo has been withdrawn."))
    return redirect(photos_anchor(recap))
