"""The Impulse pages: wishes and votes, proposals and "my proposals"."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.limits import RateLimited
from accounts.models import Viewer, member_of
from core.pagecache import cache_for_visitors, shared_pieces
from events.todo import tell_orga_team
from impulses.forms import ProposalForm, WishForm
from impulses.models import PROPOSAL_LIMIT, AgendaItem, Proposal, Wish
from somehub.lib.pagination import paginate

TOP_WISHES = 10
WISHES_PER_PAGE = 30
PAST_TALKS = 30
WISH_LIST = "impulses/wish_list.html"

View = Callable[..., HttpResponse]


def verified_member_required(view: View) -> View:
    """Posting, voting and proposing need a member with a confirmed address."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not member_of(request).has_verified_email:
            messages.warning(
                request,
                _(
                    "Please confirm your e-mail address first; then you can add "
                    "wishes, vote and propose an Impuls."
                ),
            )
            return redirect("account_email")
        return view(request, *args, **kwargs)

    return wrapper


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on, if it is one of ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def get_wish_for(request: HttpRequest, pk: int) -> Wish:
    """A wish the visitor may see, with its vote count, or 404."""
    wish = get_object_or_404(Wish.objects.with_vote_counts(request.user), pk=pk)
    if not wish.is_visible_to(request.user):
        raise Http404("No such wish.")
    return wish


def get_proposal_for(request: HttpRequest, pk: int) -> Proposal:
    """A proposal the visitor may see, or 404: drafts are for proposer and Orga-Team."""
    proposal = get_object_or_404(
        Proposal.objects.select_related("proposer__profile", "wish"), pk=pk
    )
    if not proposal.is_visible_to(request.user):
        raise Http404("No such proposal.")
    return proposal


def get_own_proposal(request: HttpRequest, pk: int) -> Proposal:
    """The visitor's own proposal; someone else's is 403 if visible, else 404."""
    proposal = get_proposal_for(request, pk)
    if proposal.proposer_id != request.user.pk:
        raise PermissionDenied("Only the proposer may change a proposal.")
    return proposal


# Pages ------------------------------------------------------------------------------


@require_safe
@cache_for_visitors()
def impulse_index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    talks = AgendaItem.objects.talks().on_published_events().for_display()
    talks = talks.select_related("event")
    context = {
        "upcoming": talks.filter(event__ends_at__gte=now).order_by(
            "event__starts_at", "order", "starts_at"
        ),
        "past": talks.filter(event__ends_at__lt=now).order_by(
            "-event__starts_at", "order", "starts_at"
        )[:PAST_TALKS],
        "awaiting": Proposal.objects.awaiting_date()
        .select_related("proposer__profile")
        .order_by("decided_at"),
        "wishes": with_summaries(
            Wish.objects.open()
            .with_vote_counts(request.user)
            .by_popularity()[:TOP_WISHES],
            request.user,
        ),
    }
    return render(request, "impulses/index.html", context)


@require_safe
@cache_for_visitors(params=("page",))
def wish_list(request: HttpRequest) -> HttpResponse:
    wishes = Wish.objects.open().with_vote_counts(request.user).by_popularity()
    page = paginate(request, wishes, WISHES_PER_PAGE)
    page.object_list = with_summaries(page.object_list, request.user)
    return render(request, "impulses/wish_list.html", {"page": page})


def with_summaries(wishes: Iterable[Wish], viewer: Viewer) -> list[Wish]:
    """The wishes (read with_vote_counts), each with its `summary`: votes, topic
    and date, the same for every viewer but the wish's author, so shared. The
    vote button holds the viewer's form token and is rendered for each viewer."""
    wishes = list(wishes)
    keys: list[dict[str, Any]] = [
        {"wish": wish, "mine": bool(viewer.pk and wish.author_id == viewer.pk)}
        for wish in wishes
    ]
    pieces = shared_pieces(f"{WISH_LIST}#wish-summary", wish_summary, keys)
    for wish, piece in zip(wishes, pieces, strict=True):
        wish.summary = piece
    return wishes


def wish_summary(wish: Wish, mine: bool) -> dict[str, Any]:
    return {"wish": wish, "mine": mine}


@require_safe
def wish_detail(request: HttpRequest, pk: int) -> HttpResponse:
    wish = get_wish_for(request, pk)
    if wish.merged_into_id:
        return redirect("impulses:wish-detail", pk=wish.merged_into_id)
    proposals = wish.proposals.public().select_related("proposer__profile")
    context = {"wish": wish, "proposals": proposals}
    return render(request, "impulses/wish_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@verified_member_required
def wish_create(request: HttpRequest) -> HttpResponse:
    form = WishForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            wish = Wish.objects.add(member_of(request), **form.cleaned_data)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            messages.success(request, _("Thank you! Your wish is on the list."))
            return redirect(wish)
    return render(request, "impulses/wish_form.html", {"form": form}, status=status)


@require_POST
@verified_member_required
def wish_from_challenge(request: HttpRequest) -> HttpResponse:
    profile = getattr(request.user, "profile", None)
    challenge = profile.challenge.strip() if profile else ""
    if not challenge:
        messages.error(request, _("Your profile names no current challenge yet."))
        return _back(request, reverse("impulses:index"))
    wish, created = Wish.objects.wish_for_challenge(member_of(request), challenge)
    if created:
        messages.success(request, _("Your challenge is now a topic wish."))
    else:
        messages.info(request, _("Your challenge is on the wish list already."))
    return redirect(wish)


@require_POST
@verified_member_required
def wish_vote(request: HttpRequest, pk: int) -> HttpResponse:
    wish = get_wish_for(request, pk)
    try:
        if not wish.vote(member_of(request)):
            messages.info(request, _("You have voted for this wish already."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return _back(request, wish.get_absolute_url())


@require_POST
@verified_member_required
def wish_unvote(request: HttpRequest, pk: int) -> HttpResponse:
    wish = get_wish_for(request, pk)
    try:
        if not wish.unvote(member_of(request)):
            messages.info(request, _("You had not voted for this wish."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return _back(request, wish.get_absolute_url())


@require_http_methods(["GET", "HEAD", "POST"])
@verified_member_required
def proposal_create(request: HttpRequest) -> HttpResponse:
    initial = (
        {"wish": request.GET.get("wish")}
        if request.GET.get("wish", "").isdigit()
        else {}
    )
    form = ProposalForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        form.instance.proposer = request.user
        try:
            with PROPOSAL_LIMIT.use(member_of(request)):
                proposal = form.save()
                tell_orga_team("impulses.todo.proposal_mail", proposal.pk)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            messages.success(
                request, _("Thank you! The Orga-Team will get back to you by e-mail.")
            )
            return redirect("impulses:proposal-mine")
    context = {"form": form}
    return render(request, "impulses/proposal_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_own_proposal(request, pk)
    if not proposal.can("edit"):
        messages.error(
            request, _("Once the Orga-Team has decided, a proposal is fixed.")
        )
        return redirect(proposal)
    form = ProposalForm(request.POST or None, instance=proposal)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with PROPOSAL_LIMIT.use(member_of(request)):
                proposal = form.save()
                tell_orga_team("impulses.todo.proposal_mail", proposal.pk)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            messages.success(request, _("Your proposal has been updated."))
            return redirect(proposal)
    context = {"form": form, "proposal": proposal}
    return render(request, "impulses/proposal_form.html", context, status=status)


@require_POST
@login_required
def proposal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_own_proposal(request, pk)
    try:
        proposal.withdraw()
        messages.success(request, _("Your proposal has been withdrawn."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("impulses:proposal-mine")


@require_safe
@login_required
def proposal_mine(request: HttpRequest) -> HttpResponse:
    proposals = (
        Proposal.objects.filter(proposer=member_of(request))
        .select_related("wish")
        .prefetch_related(
            "preferred_events",
            Prefetch("agenda_items", AgendaItem.objects.select_related("event")),
        )
    )
    return render(request, "impulses/proposal_mine.html", {"proposals": proposals})


@require_safe
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for(request, pk)
    context = {
        "proposal": proposal,
        "show_private": proposal.shows_private_parts_to(request.user),
    }
    return render(request, "impulses/proposal_detail.html", context)
