"""The Orga-Team's to-do list on /orga/, and the mail that tells the team of new
work.

Every app can add its part: an AppConfig names a function in `orga_to_do`
({"orga_to_do": "impulses.todo.proposals"}), which gets the current time and
returns ToDo items (a constant number of queries, whatever the data). The list
shows them grouped by `section`, in the order of `order`, so /orga/ needs to know
no app that fills it: new Impuls proposals come from the impulses app, photos
waiting for approval from whichever app keeps them.

An app that wants the Orga-Team told of something new (a report, a proposal)
calls `tell_orga_team("app.module.function", pk)` in the transaction that makes
it: the function builds the subject and text of the mail for one object, in the
language of each organizer it goes to (Profile.notify_orga_tasks turns it off).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext

from accounts.models import User
from events.models import Comment, Event, EventStatus, Recap
from events.models.orga import MANAGE_EVENTS
from events.models.recap import photos_awaiting_approval
from somehub.lib.dates import format_local
from somehub.lib.outbox import enqueue_with_transaction

# How long after an evening a missing recap is still on the list.
RECAP_WINDOW = timedelta(days=45)
# Items per section; the link "all …" leads to the rest.
SHOWN = 10

# The sections' places on the page (lower first); apps may use any number.
REPORTS, PROPOSALS, PHOTOS, WAITING, DRAFTS, RECAPS = 10, 20, 30, 40, 50, 60


@dataclass(frozen=True)
class ToDo:
    """One thing the Orga-Team should do, and the link to where it is done."""

    section: str  # the heading it is listed under, translated
    title: str
    url: str
    action: str  # the link's words: "Look at it", "Publish"...
    detail: str = ""
    order: int = 100
    when: datetime | None = field(default=None, compare=False)


@dataclass
class Section:
    title: str
    items: list[ToDo]


def to_do_list(now: datetime | None = None) -> list[Section]:
    """Every app's to-dos, grouped into sections in their order."""
    now = now or timezone.now()
    items: list[ToDo] = []
    for config in apps.get_app_configs():
        path = getattr(config, "orga_to_do", None)
        if path is not None:
            items.extend(import_string(path)(now))
    sections: dict[tuple[int, str], list[ToDo]] = {}
    for item in items:
        sections.setdefault((item.order, item.section), []).append(item)
    return [Section(title, found) for (_o, title), found in sorted(sections.items())]


def events_to_do(now: datetime) -> Iterable[ToDo]:
    """This app's part: reports, photos to approve, waiting lists, drafts,
    recaps to write."""
    yield from open_reports()
    yield from photos_to_approve()
    coming = (
        Event.objects.upcoming(now)
        .exclude(status=EventStatus.CANCELLED)
        .with_rsvp_counts()
    )
    for event in coming.filter(status=EventStatus.PUBLISHED):
        if event.waiting_count:
            yield ToDo(
                gettext("Waiting lists of coming evenings"),
                f"{event.title}, {format_local(event.starts_at, 'long')}",
                reverse("events:orga-waiting", args=[event.slug]),
                gettext("Move someone up"),
                ngettext(
                    "%(count)d on the waiting list, %(free)s free",
                    "%(count)d on the waiting list, %(free)s free",
                    event.waiting_count,
                )
                % {
                    "count": event.waiting_count,
                    "free": event.seats_left if event.capacity else "∞",
                },
                WAITING,
                event.starts_at,
            )
    for event in coming.filter(status=EventStatus.DRAFT)[:SHOWN]:
        yield ToDo(
            gettext("Drafts to publish"),
            f"{event.title}, {format_local(event.starts_at, 'long')}",
            reverse("admin:events_event_change", args=[event.pk]),
            gettext("Check and publish"),
            "",
            DRAFTS,
            event.starts_at,
        )
    without_recap = (
        Event.objects.filter(
            status=EventStatus.PUBLISHED,
            ends_at__lt=now,
            ends_at__gte=now - RECAP_WINDOW,
        )
        .exclude(pk__in=Recap.objects.values("event"))
        .order_by("-starts_at")[:SHOWN]
    )
    for event in without_recap:
        yield ToDo(
            gettext("Recaps to write"),
            f"{event.title}, {format_local(event.starts_at, 'long')}",
            reverse("admin:events_recap_add") + f"?event={event.pk}",
            gettext("Write the recap"),
            "",
            RECAPS,
            event.starts_at,
        )


def photos_to_approve() -> Iterable[ToDo]:
    """Attendees' photos waiting for the Orga-Team's yes or no (one query)."""
    waiting = reverse("admin:events_recapphoto_changelist") + "?review__exact=pending"
    for photo in photos_awaiting_approval()[:SHOWN]:
        yield ToDo(
            gettext("Photos to approve"),
            f"{photo.recap.title}: {photo.alt_text}",
            waiting,
            gettext("Approve or reject"),
            gettext("from %(name)s") % {"name": photo.contributor.display_name}
            if photo.contributor is not None
            else "",
            PHOTOS,
            photo.submitted_at,
        )


def open_reports() -> Iterable[ToDo]:
    comments = (
        Comment.objects.reported()
        .select_related("recap", "author__profile")
        .order_by("-created_at")[:SHOWN]
    )
    for comment in comments:
        yield ToDo(
            gettext("Reported comments"),
            gettext("%(author)s on “%(recap)s”")
            % {"author": comment.author_name, "recap": comment.recap.title},
            reverse("admin:events_comment_change", args=[comment.pk]),
            gettext("Look at it"),
            Truncator(comment.body).chars(120),
            REPORTS,
            comment.created_at,
        )


# Telling the Orga-Team -------------------------------------------------------


def orga_team_to_tell() -> QuerySet[User]:
    """Active organizers (who may manage events) who want these mails."""
    perm_app, perm_codename = MANAGE_EVENTS.split(".")
    may = (
        Q(
            groups__permissions__content_type__app_label=perm_app,
            groups__permissions__codename=perm_codename,
        )
        | Q(
            user_permissions__content_type__app_label=perm_app,
            user_permissions__codename=perm_codename,
        )
        | Q(is_superuser=True)
    )
    return (
        User.objects.filter(may, is_active=True, profile__notify_orga_tasks=True)
        .select_related("profile")
        .distinct()
    )


def tell_orga_team(builder: str, pk: int) -> None:
    """E-mail the Orga-Team about a new object once the transaction commits;
    `builder` is the dotted path of a function (pk) -> (subject, text, path of the
    page where it is done), or None when there is nothing (left) to tell."""
    enqueue_with_transaction("events.tasks.tell_orga_team", builder, pk)


def report_mail(pk: int) -> tuple[str, str, str] | None:
    """The mail about a new report of a comment (events.models.Comment.report)."""
    comment = Comment.objects.select_related("recap", "author__profile").filter(pk=pk)
    found = comment.first()
    if found is None or not found.reports.filter(resolved_at__isnull=True).exists():
        return None
    subject = gettext("A comment was reported: “%(recap)s”") % {
        "recap": found.recap.title
    }
    text = gettext(
        "A member reported a comment by %(author)s on “%(recap)s”:\n\n"
        "%(excerpt)s\n\nHide it or dismiss the report:"
    ) % {
        "author": found.author_name,
        "recap": found.recap.title,
        "excerpt": Truncator(found.body).chars(400),
    }
    return subject, text, reverse("admin:events_comment_change", args=[pk])
