"""SQL-ish, Unicode and oversized input in every form, search box and URL part.

Each value either gets a clear validation error or is stored and shown as typed;
nothing gives a 500. NUL characters are the classic 500 with PostgreSQL ("A string
literal cannot contain NUL"): every way in must refuse them before the database.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import Profile, User
from events.models import Comment, Event
from impulses.models import Proposal, Wish
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event

pytestmark = pytest.mark.django_db

HOSTILE = {
    "sql": "' OR 1=1 --",
    "sql-drop": "x'); DROP TABLE events_event; --",
    "sql-union": '" UNION SELECT email, password FROM accounts_user --',
    "like": "%_\\%",
    "rtl-override": "Rechnung\u202efdp.exe",
    "zero-width": "Mi\u200ba\u200c\u200d\u2060\ufeff",
    "emoji": "Prost 🍻 👩🏽‍💻 🏳️‍🌈",
    "combining": "Z̴̢̛a̶l̷g̸o̵ Ä Å",
    "long-10000": "x" * 10_000,
    "long-unicode": "ä🍻" * 5_000,
    "nul": "vor\x00nach",
    "control": "a\x01\x07\x0b\x1b[31mb",
    "newline-header": "Mia\r\nBcc: evil@example.org",
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as a reader gets it: tags become gaps, entities characters."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def no_nul_anywhere() -> None:
    """No text column of the site holds a NUL (Postgres would not even store one)."""
    for model, fields in [
        (Profile, ["display_name", "organisation", "role", "bio", "challenge"]),
        (Comment, ["body"]),
        (Wish, ["title", "context"]),
        (Proposal, ["title", "abstract", "private_note"]),
    ]:
        for row in model.objects.values(*fields):
            assert not any("\x00" in (v or "") for v in row.values())


@dataclass
class Site:
    author: User
    orga: User
    event: Event
    recap_slug: str
    comment: Comment
    proposal: Proposal
    clients: dict[str, Client]


@pytest.fixture
def site(make_event, settings, tmp_path) -> Site:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    author = make_user("eve@example.org", name="Eve")
    orga = make_user("orga@example.org", name="Olga", is_staff=True, is_superuser=True)
    event = make_event()
    event.rsvp(author)
    recap = make_recap(past_event(make_event), author=orga)
    comment = Comment.objects.create(recap=recap, author=orga, body="Hallo")
    proposal = Proposal.objects.create(
        proposer=author, title="Mein Impuls", abstract="A"
    )
    clients = {"anonymous": Client(), "author": Client(), "orga": Client()}
    clients["author"].force_login(author)
    clients["orga"].force_login(orga)
    return Site(author, orga, event, recap.slug, comment, proposal, clients)


@dataclass(frozen=True)
class Form:
    name: str
    role: str
    url: Callable[[Site], str]
    base: Callable[[Site], dict[str, Any]]
    fields: tuple[str, ...]
    # Where a stored value shows up, and how to read it back.
    show: Callable[[Site], str] | None = None
    stored: Callable[[Site], list[str]] | None = None


FORMS = [
    Form(
        "profile",
        "author",
        lambda s: reverse("accounts:edit-profile"),
        lambda s: {"handle": "eve", "visibility": "public", "preferred_language": "de"},
        ("display_name", "organisation", "role", "bio", "challenge"),
        lambda s: reverse("accounts:profile", kwargs={"handle": "eve"}),
        lambda s: list(
            Profile.objects.filter(user=s.author).values_list(
                "display_name", "organisation", "role", "bio", "challenge"
            )[0]
        ),
    ),
    Form(
        "profile links",
        "author",
        lambda s: reverse("accounts:edit-profile"),
        lambda s: {"handle": "eve", "visibility": "public", "preferred_language": "de"},
        ("website", "linkedin", "mastodon"),
    ),
    Form(
        "profile handle",
        "author",
        lambda s: reverse("accounts:edit-profile"),
        lambda s: {"visibility": "public", "preferred_language": "de"},
        ("handle",),
    ),
    Form(
        "comment",
        "author",
        lambda s: reverse("events:comment-create", kwargs={"slug": s.recap_slug}),
        lambda s: {},
        ("body",),
        lambda s: reverse("events:recap-detail", kwargs={"slug": s.recap_slug}),
        lambda s: list(
            Comment.objects.filter(author=s.author).values_list("body", flat=True)
        ),
    ),
    Form(
        "comment reply",
        "author",
        lambda s: reverse("events:comment-create", kwargs={"slug": s.recap_slug}),
        lambda s: {"body": "Antwort"},
        ("parent",),
    ),
    Form(
        "comment report",
        "author",
        lambda s: reverse(
            "events:comment-report", kwargs={"slug": s.recap_slug, "pk": s.comment.pk}
        ),
        lambda s: {},
        ("reason",),
    ),
    Form(
        "wish",
        "author",
        lambda s: reverse("impulses:wish-create"),
        lambda s: {},
        ("title", "context"),
        lambda s: Wish.objects.get().get_absolute_url(),
        lambda s: list(Wish.objects.values_list("context", flat=True)),
    ),
    Form(
        "proposal",
        "author",
        lambda s: reverse("impulses:proposal-create"),
        lambda s: {"length": 10},
        ("title", "abstract", "private_note", "slides_url"),
    ),
    Form(
        "proposal edit",
        "author",
        lambda s: reverse("impulses:proposal-edit", kwargs={"pk": s.proposal.pk}),
        lambda s: {"length": 10, "title": "T", "abstract": "A"},
        ("title", "abstract", "private_note"),
        lambda s: s.proposal.get_absolute_url(),
        lambda s: list(
            Proposal.objects.filter(pk=s.proposal.pk).values_list(
                "abstract", "private_note"
            )[0]
        ),
    ),
    Form(
        "sign-up",
        "anonymous",
        lambda s: reverse("account_signup"),
        lambda s: {"email": "neu@example.org", "password1": "", "password2": ""},
        ("display_name",),
    ),
    Form(
        "sign-up e-mail",
        "anonymous",
        lambda s: reverse("account_signup"),
        lambda s: {"password1": "", "password2": ""},
        ("email",),
    ),
    Form(
        "login",
        "anonymous",
        lambda s: reverse("account_login"),
        lambda s: {},
        ("login", "password"),
    ),
    Form(
        "login code",
        "anonymous",
        lambda s: reverse("account_request_login_code"),
        lambda s: {},
        ("email",),
    ),
    Form(
        "password reset",
        "anonymous",
        lambda s: reverse("account_reset_password"),
        lambda s: {},
        ("email",),
    ),
    Form(
        "delete account",
        "author",
        lambda s: reverse("accounts:delete"),
        lambda s: {"confirm": "on"},
        ("password",),
    ),
    Form(
        "write to attendees",
        "orga",
        lambda s: reverse("events:mailing-compose", args=[uuid.uuid4()]),
        lambda s: {"segment": "going", "event": s.event.pk, "action": "preview"},
        ("subject", "body"),
    ),
    Form(
        "door walk-in",
        "orga",
        lambda s: reverse("events:checkin-walk-in", kwargs={"slug": s.event.slug}),
        lambda s: {},
        ("member",),
    ),
    Form(
        "RSVP answer",
        "author",
        lambda s: reverse("events:rsvp", kwargs={"slug": s.event.slug}),
        lambda s: {},
        ("answer",),
    ),
    Form(
        "admin venue",
        "orga",
        lambda s: reverse("admin:events_venue_add"),
        lambda s: {"city": "Hannover"},
        ("name", "street", "district", "accessibility_notes"),
    ),
]


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_forms_refuse_clearly_or_store_faithfully(
    site: Site, form: Form, kind: str, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    value = HOSTILE[kind]
    client = site.clients[form.role]
    data = {**form.base(site), **{name: value for name in form.fields}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form.url(site), data)
    assert response.status_code < 500, (form.name, kind)
    no_nul_anywhere()
    if "\x00" in value:
        assert response.status_code != 302 or form.stored is None, (
            "a NUL was accepted",
            form.name,
        )
    for mail in mailoutbox:
        assert "\n" not in mail.subject and "\r" not in mail.subject
    if response.status_code == 302 and form.stored is not None:
        values = form.stored(site)
        shown = client.get(form.show(site))
        assert shown.status_code == 200
        text = " ".join(visible_text(shown.content.decode()).split())
        for stored in values:
            if stored:
                assert " ".join(stored.split()) in text, (form.name, kind)
    elif response.status_code in (200, 400):
        context_form = response.context.get("form") if response.context else None
        if context_form is not None and context_form.is_bound:
            # The error is there for the member to read.
            assert context_form.errors or response.status_code == 200


SEARCHABLE_ADMIN = [
    "accounts_user",
    "accounts_profile",
    "events_venue",
    "events_event",
    "events_mailing",
    "admin_logentry",
    "events_recap",
    "events_comment",
    "impulses_wish",
    "impulses_proposal",
    "impulses_agendaitem",
]


@pytest.mark.parametrize("kind", HOSTILE)
def test_admin_search_and_filters_never_fail(site: Site, kind: str) -> None:
    client = site.clients["orga"]
    value = HOSTILE[kind][:2000]  # a URL's query string is short anyway
    for name in SEARCHABLE_ADMIN:
        url = reverse(f"admin:{name}_changelist")
        for params in ({"q": value}, {"o": value}, {"p": value}, {"status": value}):
            response = client.get(url, params)
            assert response.status_code < 500, (name, params.keys(), kind)
        object_url = (
            reverse(f"admin:{name}_changelist") + quote(value[:200]) + "/change/"
        )
        assert client.get(object_url).status_code < 500, (name, kind)


GET_PAGES = [
    ("events:list", {}, "page"),
    ("events:recap-list", {}, "page"),
    ("impulses:wish-list", {}, "page"),
    ("accounts:directory", {}, "page"),
    ("accounts:directory", {}, "field"),
    ("impulses:proposal-create", {}, "wish"),
    ("account_login", {}, "next"),
    ("set_language", {}, "language"),
]


@pytest.mark.parametrize("kind", HOSTILE)
def test_query_parameters_never_fail(site: Site, kind: str) -> None:
    value = HOSTILE[kind][:2000]
    client = site.clients["author"]
    for name, kwargs, param in GET_PAGES:
        response = client.get(reverse(name, kwargs=kwargs), {param: value})
        assert response.status_code < 500, (name, param, kind)
    recap = reverse("events:recap-detail", kwargs={"slug": site.recap_slug})
    expected = 400 if "\x00" in value else 200
    assert client.get(recap, {"reply": value}).status_code == expected


def test_a_nul_in_a_url_is_a_clear_400_or_404_in_the_sites_layout(site: Site) -> None:
    for url, status in [
        (reverse("admin:events_comment_changelist") + "?q=a%00b", 400),
        (reverse("events:list") + "?page=%00", 400),
        ("/events/feed/%00.ics", 404),
        ("/accounts/confirm-email/a%00b/", 404),
    ]:
        response = site.clients["orga"].get(url)
        assert response.status_code == status, url
        assert 'class="error-page"' in response.content.decode()


@pytest.mark.parametrize("kind", HOSTILE)
def test_url_parts_never_fail(site: Site, kind: str) -> None:
    part = quote(HOSTILE[kind][:1000], safe="")
    client = site.clients["author"]
    for path in [
        f"/members/{part}/",
        f"/events/{part}/",
        f"/recaps/{part}/",
        f"/events/feed/{part}.ics",
        f"/events/{site.event.slug}/free-my-seat/{part}/",
        f"/accounts/confirm-email/{part}/",
        f"/accounts/password/reset/key/1-{part}/",
        f"/impulse/wishes/{part}/",
    ]:
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)


def test_invalid_utf8_in_a_form_is_not_a_500(site: Site) -> None:
    client = site.clients["author"]
    response = client.post(
        reverse("accounts:edit-profile"),
        data=b"display_name=%FF%FE%00&handle=eve&visibility=public&preferred_language=de",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    no_nul_anywhere()


def test_feeds_survive_control_characters_the_orga_team_pasted(
    site: Site, client: Client
) -> None:
    """Text pasted from a word processor brings vertical tabs and the like, which
    XML 1.0 cannot carry: the feeds leave them out instead of failing."""
    Event.objects.filter(pk=site.event.pk).update(
        title="Stammtisch\x0b im Mai", description="Erste Zeile\x0bzweite\x01 Zeile"
    )
    from events.models import Recap

    Recap.objects.filter(slug=site.recap_slug).update(
        title="Rückblick\x0c", lead="Lead\x08", body="Text\x1f mit Steuerzeichen"
    )
    for name in ("events:feed", "events:recap-feed"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        import xml.etree.ElementTree as ET

        ET.fromstring(response.content)
    assert client.get(reverse("events:calendar-feed")).status_code == 200


def test_a_10000_character_search_in_the_admin_is_answered(site: Site) -> None:
    response = site.clients["orga"].get(
        reverse("admin:events_comment_changelist"), {"q": "ä " * 5000}
    )
    assert response.status_code == 200
