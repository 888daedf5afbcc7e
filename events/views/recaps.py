"""Recaps, their comment threads, and what members and the Orga-Team do with them."""

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.limits import RateLimited
from accounts.models import shared_audience
from events.forms import CommentEditForm, CommentForm, CommentReportForm
from events.models import Comment, Recap
from events.models.recap import MANAGE_RECAPS, MODERATE_COMMENTS, Attendance
from somehub.lib import pagecache
from somehub.lib.pagecache import cache_for_visitors
from somehub.lib.pagination import paginate

RECAPS_PER_PAGE = 10


def get_recap_for(request: HttpRequest, slug: str) -> Recap:
    """The recap behind a URL, or 404: drafts exist for the Orga-Team only.

    The recap is the same for everyone: read once per generation of the site's
    content, then checked against the viewer.
    """
    recap = pagecache.remember("recap", slug, compute=lambda: _recap_by_slug(slug))
    if not recap.is_published and not request.user.has_perm("events.view_recap"):
        raise Http404("No such recap.")
    return recap


def _recap_by_slug(slug: str) -> Recap:
    # Raises Http404 for a slug that does not exist, so that nothing is kept for it.
    return get_object_or_404(Recap.objects.with_event(), slug=slug)


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
) -> HttpResponse:
    """The recap page; a form that failed comes back in its place, with its errors.

    Visitors and ordinary members all see the same article and the same thread,
    apart from the actions on a member's own comments: both are rendered once per
    generation and shared (the Orga-Team, moderators and a reply form in the
    thread get a page of their own).
    """
    user = request.user
    can_manage = user.has_perm(MANAGE_RECAPS)
    audience = shared_audience(user)
    viewer = audience[1] if audience is not None else user
    shared = None
    if (
        audience is not None
        and form is None
        and "reply" not in request.GET
        and not can_manage
        and not user.has_perm(MODERATE_COMMENTS)
    ):
        key = pagecache.fragment_key("recap-thread", recap.pk, audience[0])
        shared = pagecache.cached_fragment(
            key, lambda: SharedThread.render(recap, viewer)
        )
    if shared is not None:
        thread: list[Comment] = []
        reply_to = None
        comment_count = shared.count
        shared_html = mark_safe(_THREAD_PLACE)  # noqa: S308 - a constant
    else:
        thread = recap.comment_thread(user)
        reply_to = _reply_target(request, form, thread)
        comment_count = sum(c.shows_text + len(c.shown_replies) for c in thread)
        shared_html = None
    context = {
        "recap": recap,
        "event": recap.event,
        "facts": RecapFacts(recap, viewer),
        "audience": audience[0] if audience is not None else None,
        "thread": thread,
        "shared_thread": shared_html,
        "comment_count": comment_count,
        # Made only when rendered: an empty main form usually comes from the
        # cache (see the template).
        "form": form
        if form is not None and reply_to is None
        else SimpleLazyObject(CommentForm),
        "main_form_key": "empty" if form is None or reply_to is not None else None,
        "reply_to": reply_to,
        "reply_form": form
        if reply_to is not None and form is not None
        else SimpleLazyObject(CommentForm),
        "can_manage": can_manage,
    }
    response = render(request, "events/recap_detail.html", context, status=status)
    if shared is not None:
        # The thread, often most of the page, goes in as the bytes it was stored
        # as, not encoded again for every member.
        response.content = response.content.replace(
            _THREAD_PLACE.encode(), shared.bytes_for(request, recap), 1
        )
    return response


# Where the shared thread goes in the rendered page (comments are never rendered
# from what members write: the text is escaped, Markdown is cleaned by nh3).
_THREAD_PLACE = f"<!--thread-{secrets.token_hex(8)}-->"


class RecapFacts:
    """What the recap's article shows besides the recap itself; read only when the
    article is rendered, not when it comes from the cache."""

    def __init__(self, recap: Recap, viewer: Any) -> None:
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
        return [p for p in self.recap.photos.all() if p.pk != self.recap.cover_id]


# The actions under a comment, marked in a thread rendered for many viewers.
_ACTIONS = re.compile(r"<!--actions:(\d+)-->(.*?)<!--/actions-->", re.DOTALL)


@dataclass
class SharedThread:
    """A recap's comment thread as every visitor, or every ordinary member, sees it.

    `pieces` alternate: HTML, then a comment's id and its actions (reply, report)
    as anyone sees them, then HTML again... A member's own comments get their own
    actions (edit, delete) in their place; `authors` says whose each comment is.
    """

    pieces: list[Any]
    authors: dict[int, int | None]
    count: int
    plain: bytes  # the thread, UTF-8, for a viewer who wrote none of it

    @classmethod
    def render(cls, recap: Recap, viewer: Any) -> "SharedThread":
        thread = recap.comment_thread(viewer)
        html = render_to_string(
            "events/recap_detail.html#comment-thread",
            {"thread": thread, "recap": recap, "mark_actions": True},
        )
        pieces: list[Any] = _ACTIONS.split(html)
        for index in range(1, len(pieces), 3):
            pieces[index] = int(pieces[index])
        shown = [c for top in thread for c in (top, *top.shown_replies)]
        return cls(
            pieces=pieces,
            authors={c.pk: c.author_id for c in shown if c.shows_text},
            count=sum(c.shows_text + len(c.shown_replies) for c in thread),
            plain=_ACTIONS.sub(r"\2", html).encode(),
        )

    def bytes_for(self, request: HttpRequest, recap: Recap) -> bytes:
        """The thread for this viewer, as UTF-8."""
        viewer = request.user.pk
        own = set()
        if viewer is not None:
            own = {pk for pk, author in self.authors.items() if author == viewer}
        if not own:
            return self.plain
        actions = self._own_actions(request, recap, own)
        pieces = self.pieces
        out = []
        for index in range(0, len(pieces) - 1, 3):
            html, pk, shared = pieces[index : index + 3]
            out += (html, actions.get(pk, shared))
        out.append(pieces[-1])
        return "".join(out).encode()

    def _own_actions(
        self, request: HttpRequest, recap: Recap, own: set[int]
    ) -> dict[int, str]:
        now = timezone.now()
        comments = recap.comments.filter(pk__in=own).select_related("author__profile")
        rendered = {}
        for comment in comments:
            comment.annotate_for(request.user, can_moderate=False, now=now)
            rendered[comment.pk] = render_to_string(
                "events/recap_detail.html#comment-actions",
                {"comment": comment, "recap": recap},
                request,
            )
        return rendered


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
            comment = recap.add_comment(request.user, data["body"], data["parent"])
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
    if form.is_bound and form.is_valid():
        try:
            comment.edit(request.user, form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_error("body", exc)
        else:
            messages.success(request, _("Your comment has been changed."))
            return redirect(comment.get_absolute_url())
    context = {"comment": comment, "recap": comment.recap, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "events/comment_form.html", context, status=status)


@require_POST
def comment_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    if not comment.is_deletable_by(request.user):
        raise PermissionDenied
    comment.delete_by(request.user)
    messages.success(request, _("The comment has been deleted."))
    return redirect(comment.recap.get_absolute_url() + "#comments")


@require_POST
def comment_hide(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    require_perm(request, MODERATE_COMMENTS)
    comment.hide(by=request.user)
    messages.success(request, _("The comment is hidden now."))
    return redirect(comment.get_absolute_url())


@require_POST
def comment_unhide(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    comment = get_comment_for(request, slug, pk)
    if response := login_first(request, slug):
        return response
    require_perm(request, MODERATE_COMMENTS)
    comment.unhide(by=request.user)
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
            comment.report(request.user, form.cleaned_data["reason"])
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
    if not request.user.has_verified_email:
        raise ValidationError(_("Please confirm your e-mail address first."))


@require_POST
def recap_close_comments(request: HttpRequest, slug: str) -> HttpResponseBase:
    recap = get_recap_for(request, slug)
    if response := login_first(request, slug):
        return response
    require_perm(request, MANAGE_RECAPS)
    recap.close_comments(by=request.user)
    messages.success(request, _("Comments on this recap are closed now."))
    return redirect(recap.get_absolute_url() + "#comments")


@require_POST
def recap_open_comments(request: HttpRequest, slug: str) -> HttpResponseBase:
    recap = get_recap_for(request, slug)
    if response := login_first(request, slug):
        return response
    require_perm(request, MANAGE_RECAPS)
    recap.open_comments(by=request.user)
    messages.success(request, _("Comments on this recap are open again."))
    return redirect(recap.get_absolute_url() + "#comments")
