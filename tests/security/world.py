"""A small site whose every free-text field holds the same attack string.

Members fill their fields through the real forms (the profile, comment, wish and
proposal views); the Orga-Team's fields (event, venue, recap, agenda) are set on the
models, as the admin would save them, and the message to attendees goes through its
form. Each text value starts with a marker naming its field, so a test can tell
that a page really shows the field it is scanning for.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import Field, MailTopic, Profile, User, Visibility
from events.models import (
    RSVP,
    Audience,
    Comment,
    Event,
    EventStatus,
    Recap,
    RecapPhoto,
    Segment,
    Venue,
)
from events.models.recap import RecapStatus
from impulses.models import Proposal, Wish
from tests.conftest import BERLIN, make_user

PROFILE_TEXT = ["display_name", "organisation", "role", "bio", "challenge"]
PROFILE_LINKS = ["website", "linkedin", "instagram", "mastodon", "x", "tiktok"]


FIELDS = [
    "venue.name",
    "event.title",
    "event.motto",
    "event.description",
    "event.cancellation_reason",
    "recap.title",
    "recap.lead",
    "recap.body",
    "photo.alt_text",
    *(f"profile.{name}" for name in PROFILE_TEXT + PROFILE_LINKS),
    "comment.body",
    "report.reason",
    "wish.title",
    "wish.context",
    "proposal.title",
    "proposal.abstract",
    "proposal.slides_url",
    "proposal.private_note",
    "proposal.organizer_message",
    "message.subject",
    "message.body",
]


def marker(name: str) -> str:
    """A short word that Markdown, urlize and escaping all leave alone."""
    return f"q{FIELDS.index(name):02d}z"


@dataclass
class World:
    payload: str
    url_payload: str
    clients: dict[str, Client]
    users: dict[str, User] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    # field name -> value that was stored; refused fields are not in it
    stored: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    # pages fetched before the world was complete (forms that show a stored value)
    early_pages: dict[str, tuple[str, str]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return f"{marker(name)} {self.payload}"


def _post(client: Client, url: str, data: dict[str, Any], capture: Callable) -> Any:
    with capture(execute=True):
        return client.post(url, data)


def _errors(response: Any) -> set[str]:
    """The fields a bound form refused, from the re-rendered page's context."""
    if response.status_code == 302 or response.context is None:
        return set()
    form = response.context.get("form")
    return set(form.errors) if form is not None else {"?"}


def _fill_form(
    world: World,
    client: Client,
    url: str,
    base: dict[str, Any],
    fields: dict[str, str],
    prefix: str,
    capture: Callable,
) -> Any:
    """POST the form with every attack value; fields it refuses get a harmless
    value and the form is sent again. Returns the final response."""
    data = {**base, **fields}
    response = _post(client, url, data, capture)
    refused = _errors(response)
    if refused:
        for name in refused & set(fields):
            world.refused[f"{prefix}.{name}"] = fields[name]
            data[name] = (
                f"https://example.org/{marker(f'{prefix}.{name}')}"
                if name in PROFILE_LINKS or name == "slides_url"
                else f"{marker(f'{prefix}.{name}')} harmless"
            )
        response = _post(client, url, data, capture)
        assert response.status_code == 302, (url, _errors(response))
    for name, value in fields.items():
        if f"{prefix}.{name}" not in world.refused:
            world.stored[f"{prefix}.{name}"] = value
    return response


def _photo_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def build_world(payload: str, url_payload: str, capture: Callable) -> World:
    """Everything a member or the Orga-Team can write, holding `payload`."""
    now = timezone.now()
    clients = {role: Client() for role in ("anonymous", "author", "other", "orga")}
    world = World(payload=payload, url_payload=url_payload, clients=clients)
    author = make_user("eve@example.org", name="Eve")
    other = make_user("bob@example.org", name="Bob")
    orga = make_user("orga@example.org", name="Olga", is_staff=True)
    orga.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["events", "accounts", "impulses"]
        )
    )
    world.users = {"author": author, "other": other, "orga": orga}
    clients["author"].force_login(author)
    clients["other"].force_login(other)
    clients["orga"].force_login(orga)
    Profile.objects.filter(user=other).update(visibility=Visibility.PUBLIC)

    # The Orga-Team's texts, saved on the models as the admin saves them.
    venue = Venue.objects.create(
        name=world.value("venue.name"), city="Hannover", street="Musterweg 1"
    )
    world.stored["venue.name"] = venue.name
    start = (
        (now + timedelta(days=7))
        .astimezone(BERLIN)
        .replace(hour=19, minute=0, second=0, microsecond=0)
    )
    event = Event.objects.create(
        title=world.value("event.title"),
        motto=world.value("event.motto"),
        description=world.value("event.description"),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        venue=venue,
        status=EventStatus.PUBLISHED,
        capacity=20,
    )
    for name in ("title", "motto", "description"):
        world.stored[f"event.{name}"] = getattr(event, name)
    cancelled = Event.objects.create(
        title="Abgesagter Abend",
        starts_at=start + timedelta(days=28),
        ends_at=start + timedelta(days=28, hours=3),
        venue=venue,
        status=EventStatus.PUBLISHED,
    )
    past_start = start - timedelta(days=35)
    past = Event.objects.create(
        title="Vergangener Abend",
        starts_at=past_start,
        ends_at=past_start + timedelta(hours=3),
        venue=venue,
        status=EventStatus.PUBLISHED,
    )
    recap = Recap.objects.create(
        event=past,
        title=world.value("recap.title"),
        slug="recap-angriff",
        lead=world.value("recap.lead"),
        body=world.value("recap.body"),
        author=orga,
        status=RecapStatus.PUBLISHED,
        published_at=now - timedelta(days=1),
    )
    for name in ("title", "lead", "body"):
        world.stored[f"recap.{name}"] = getattr(recap, name)
    from somehub.lib.images import open_upload

    photo = RecapPhoto(recap=recap, alt_text=world.value("photo.alt_text")[:300])
    photo.store(open_upload(_photo_upload()))
    photo.save()
    world.stored["photo.alt_text"] = photo.alt_text
    world.objects.update(event=event, cancelled=cancelled, past=past, recap=recap)

    # The member's profile, through the real form.
    profile_fields = {name: world.value(f"profile.{name}") for name in PROFILE_TEXT}
    profile_fields.update({name: url_payload for name in PROFILE_LINKS})
    base = {
        "handle": "eve",
        "field": Field.AGENCY,
        "visibility": Visibility.PUBLIC,
        "show_in_attendee_lists": "on",
        "preferred_language": "de",
    }
    _fill_form(
        world,
        clients["author"],
        reverse("accounts:edit-profile"),
        base,
        profile_fields,
        "profile",
        capture,
    )
    author.refresh_from_db()
    # Every kind of mail on, through the real form.
    clients["author"].post(
        reverse("accounts:mail-preferences"),
        {topic.field: "on" for topic in MailTopic},
    )
    world.early_pages["profile edit form"] = (
        "author",
        reverse("accounts:edit-profile"),
    )

    # RSVPs: the author is going to the next evening and was at the past one.
    with capture(execute=True):
        clients["author"].post(
            reverse("events:rsvp", kwargs={"slug": event.slug}), {"answer": "going"}
        )
    RSVP.objects.create(event=past, member=author, status="going")
    RSVP.objects.create(event=past, member=other, status="going")
    with capture(execute=True):
        cancelled.rsvp(author)
        cancelled.cancel(world.value("event.cancellation_reason"))
    world.stored["event.cancellation_reason"] = world.value("event.cancellation_reason")

    # A comment, a reply to it (the author is e-mailed), and the edit form.
    comment_url = reverse("events:comment-create", kwargs={"slug": recap.slug})
    _fill_form(
        world,
        clients["author"],
        comment_url,
        {},
        {"body": world.value("comment.body")},
        "comment",
        capture,
    )
    comment = Comment.objects.filter(author=author).first()
    if comment is not None:
        _post(
            clients["other"],
            comment_url,
            {"body": "Antwort", "parent": comment.pk},
            capture,
        )
        world.objects["comment"] = comment
        world.early_pages["comment edit form"] = (
            "author",
            reverse(
                "events:comment-edit", kwargs={"slug": recap.slug, "pk": comment.pk}
            ),
        )
        _post(
            clients["other"],
            reverse(
                "events:comment-report",
                kwargs={"slug": recap.slug, "pk": comment.pk},
            ),
            {"reason": world.value("report.reason")},
            capture,
        )
        world.stored["report.reason"] = world.value("report.reason")

    # A topic wish and a proposal, through the real forms.
    _fill_form(
        world,
        clients["author"],
        reverse("impulses:wish-create"),
        {},
        {
            "title": world.value("wish.title"),
            "context": world.value("wish.context"),
        },
        "wish",
        capture,
    )
    wish = Wish.objects.filter(author=author).first()
    world.objects["wish"] = wish
    _fill_form(
        world,
        clients["author"],
        reverse("impulses:proposal-create"),
        {"length": 10},
        {
            "title": world.value("proposal.title"),
            "abstract": world.value("proposal.abstract"),
            "slides_url": url_payload,
            "private_note": world.value("proposal.private_note"),
        },
        "proposal",
        capture,
    )
    proposal = Proposal.objects.get(proposer=author)
    world.objects["proposal"] = proposal
    world.early_pages["proposal edit form"] = (
        "author",
        reverse("impulses:proposal-edit", kwargs={"pk": proposal.pk}),
    )
    world.early_html = {
        label: clients[role].get(url).content.decode()
        for label, (role, url) in world.early_pages.items()
    }
    with capture(execute=True):
        proposal.accept(world.value("proposal.organizer_message"))
    world.stored["proposal.organizer_message"] = proposal.organizer_message
    with capture(execute=True):
        proposal.schedule(event, event.starts_at + timedelta(minutes=30))

    # The Orga-Team writes to everyone coming, through its form.
    going = Audience(Segment.GOING, event=event).recipients().count()
    _fill_form(
        world,
        clients["orga"],
        reverse("events:mailing-compose", args=[uuid.uuid4()]),
        {"segment": "going", "event": event.pk, "action": "send", "count": going},
        {
            "subject": world.value("message.subject"),
            "body": world.value("message.body"),
        },
        "message",
        capture,
    )
    return world


def pages(world: World) -> list[tuple[str, str, str]]:
    """(label, role, URL) of every page that shows some of the world's text."""
    event = world.objects["event"]
    recap = world.objects["recap"]
    proposal = world.objects["proposal"]
    wish = world.objects["wish"]
    comment = world.objects.get("comment")
    cancelled = world.objects["cancelled"]
    profile = Profile.objects.get(user=world.users["author"])
    out = [
        ("home", "anonymous", reverse("events:home")),
        ("home (member)", "author", reverse("events:home")),
        ("upcoming dates", "anonymous", reverse("events:list")),
        ("past dates", "anonymous", reverse("events:archive")),
        ("event page", "anonymous", event.get_absolute_url()),
        ("event page (member)", "other", event.get_absolute_url()),
        ("cancelled event page", "anonymous", cancelled.get_absolute_url()),
        ("recap list", "anonymous", reverse("events:recap-list")),
        ("recap page", "anonymous", recap.get_absolute_url()),
        ("recap page (member)", "other", recap.get_absolute_url()),
        ("recap page (Orga-Team)", "orga", recap.get_absolute_url()),
        ("profile", "anonymous", profile.get_absolute_url()),
        ("profile (own)", "author", profile.get_absolute_url()),
        ("member directory", "other", reverse("accounts:directory")),
        ("my account", "author", reverse("accounts:account")),
        ("my events", "author", reverse("events:my-events")),
        ("Impulse", "anonymous", reverse("impulses:index")),
        ("wish list", "anonymous", reverse("impulses:wish-list")),
        ("proposal page", "anonymous", proposal.get_absolute_url()),
        ("proposal page (own)", "author", proposal.get_absolute_url()),
        ("my proposals", "author", reverse("impulses:proposal-mine")),
        ("Orga dashboard", "orga", reverse("events:orga-dashboard")),
        (
            "door check-in",
            "orga",
            reverse("events:checkin", kwargs={"slug": event.slug}),
        ),
        (
            "write to attendees",
            "orga",
            reverse("events:mailing-compose", args=[uuid.uuid4()])
            + f"?segment=going&event={event.pk}",
        ),
        ("sent messages", "orga", reverse("events:mailing-list")),
        ("mail preferences", "author", reverse("accounts:mail-preferences")),
        ("new proposal form", "author", reverse("impulses:proposal-create")),
        ("new wish form", "author", reverse("impulses:wish-create")),
    ]
    if wish is not None:
        out.append(("wish page", "anonymous", wish.get_absolute_url()))
    if comment is not None:
        out.append(
            (
                "comment report form",
                "other",
                reverse(
                    "events:comment-report",
                    kwargs={"slug": recap.slug, "pk": comment.pk},
                ),
            )
        )
    admin = [
        ("accounts", "profile", profile.pk),
        ("accounts", "user", world.users["author"].pk),
        ("events", "event", event.pk),
        ("events", "venue", event.venue_id),
        ("events", "recap", recap.pk),
        ("events", "comment", comment.pk if comment else None),
        ("events", "mailing", None),
        ("impulses", "wish", wish.pk if wish else None),
        ("impulses", "proposal", proposal.pk),
        ("impulses", "agendaitem", None),
    ]
    for app, model, pk in admin:
        out.append(
            (f"admin: {model} list", "orga", reverse(f"admin:{app}_{model}_changelist"))
        )
        if pk is not None:
            out.append(
                (
                    f"admin: {model} form",
                    "orga",
                    reverse(f"admin:{app}_{model}_change", args=[pk]),
                )
            )
    return out


FEEDS = [("events feed", "events:feed"), ("recaps feed", "events:recap-feed")]
