"""The main pages every quality check visits, and the demo data behind them.

One list, used by the axe, HTML-validity, strict-CSP and header checks. Pages appear by
themselves as they land:

- an entry whose URL name does not resolve yet, or whose demo object the data builder
  could not make yet, is skipped (and named in the test output);
- every page is also crawled for links: an HTML page reached from a listed page whose
  view is not in the list yet is checked too, marked "found by crawling".

To cover a new page on purpose (a special state, a page no link reaches), add a
``Page`` below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

ANONYMOUS, MEMBER, ORGANIZER = "anonymous", "member", "organizer"
ROLES = (ANONYMOUS, MEMBER, ORGANIZER)
LOGGED_IN = (MEMBER, ORGANIZER)


@dataclass
class Demo:
    """Everything the page list points at; attributes are missing until built."""

    users: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes never set: a feature not built yet.
        raise MissingDemo(name)


class MissingDemo(AttributeError):
    pass


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    kwargs: Callable[[Demo], dict[str, Any]] | None = None
    roles: tuple[str, ...] = ROLES
    status: int = 200
    path: str = ""  # a fixed path instead of url_name (the 404 page)

    def url(self, demo: Demo) -> str:
        """The page's URL; NoReverseMatch or MissingDemo when it cannot exist yet."""
        if self.path:
            return self.path
        kwargs = self.kwargs(demo) if self.kwargs else {}
        return reverse(self.url_name, kwargs=kwargs)


def _slug(name: str) -> Callable[[Demo], dict[str, Any]]:
    return lambda demo: {"slug": getattr(demo, name).slug}


PAGES: list[Page] = [
    Page("home", "events:home"),
    Page("upcoming dates", "events:list"),
    Page("past dates", "events:archive"),
    Page("event: going / open", "events:detail", _slug("next_event")),
    Page("event: full / waiting list", "events:detail", _slug("full_event")),
    Page("event: not answered", "events:detail", _slug("open_event")),
    Page("event: cancelled", "events:detail", _slug("cancelled_event")),
    Page("event: past", "events:detail", _slug("past_event")),
    Page("event: draft", "events:detail", _slug("draft_event"), roles=(ORGANIZER,)),
    Page("my events", "events:my-events", roles=LOGGED_IN),
    Page("recaps", "events:recap-list"),
    Page("recap with comments", "events:recap-detail", _slug("recap")),
    Page("log in", "account_login", roles=(ANONYMOUS,)),
    Page("sign up", "account_signup", roles=(ANONYMOUS,)),
    Page("log in with a code", "account_request_login_code", roles=(ANONYMOUS,)),
    Page("reset password", "account_reset_password", roles=(ANONYMOUS,)),
    Page("e-mail addresses", "account_email", roles=LOGGED_IN),
    Page("change password", "account_change_password", roles=(MEMBER,)),
    Page("member directory", "accounts:directory", roles=LOGGED_IN),
    Page(
        "public profile",
        "accounts:profile",
        lambda demo: {"handle": demo.public_profile.handle},
    ),
    Page(
        "own profile",
        "accounts:profile",
        lambda demo: {"handle": demo.users[MEMBER].profile.handle},
        roles=(MEMBER,),
    ),
    Page("edit profile", "accounts:edit-profile", roles=LOGGED_IN),
    Page("my account", "accounts:account", roles=LOGGED_IN),
    Page("delete account", "accounts:delete", roles=(MEMBER,)),
    Page("imprint", "accounts:imprint"),
    Page("privacy", "accounts:privacy"),
    Page("Impulse", "impulses:index"),
    Page("topic wishes", "impulses:wish-list"),
    Page("topic wish", "impulses:wish-detail", lambda demo: {"pk": demo.wish.pk}),
    Page("new topic wish", "impulses:wish-create", roles=LOGGED_IN),
    Page("propose an Impuls", "impulses:proposal-create", roles=LOGGED_IN),
    Page("my proposals", "impulses:proposal-mine", roles=(MEMBER,)),
    Page(
        "proposal",
        "impulses:proposal-detail",
        lambda demo: {"pk": demo.proposal.pk},
        roles=LOGGED_IN,
    ),
    Page(
        "RSVP: the link from the e-mail",
        "events:rsvp-link",
        lambda demo: {"slug": demo.open_event.slug, "token": demo.rsvp_token},
        roles=(ANONYMOUS,),
    ),
    Page("a button's address", "", path="/events/no-such-date/rsvp/", status=405),
    Page("not found", "", path="/no-such-page/", status=404),
]

# Never visited by the crawler: not pages, or not ours to check (Django's admin).
SKIP_PREFIXES = ("/static/", "/media/", "/i18n/", "/" + settings.ADMIN_URL.lstrip("/"))
SKIP_VIEWS = {"account_logout", "sitemap", "robots"}
MAX_CRAWLED_PER_ROLE = 40


# --------------------------------------------------------------------------- data


def build_demo() -> Demo:
    """Demo data for every page state; parts whose feature is not built are skipped.

    Call inside a test with database access. Mails sent on the way go to the test
    outbox.
    """
    from tests.conftest import make_user

    demo = Demo()
    member = make_user("mia@example.org", name="Mia Muster")
    organizer = _organizer()
    demo.users = {ANONYMOUS: None, MEMBER: member, ORGANIZER: organizer}
    demo.others = [
        make_user(f"{name.lower()}@example.org", name=f"{name} Beispiel")
        for name in ("Ben", "Carla", "Deniz", "Emre")
    ]
    _profiles(demo)
    _events(demo)
    # Features that land later add their own part here.
    for part in (_legal_pages, _recap, _impulses):
        try:
            part(demo)
        except (ImportError, MissingDemo) as exc:
            demo.skipped.append(f"{part.__name__}: {exc!r}")
    return demo


def _organizer() -> Any:
    """A member of the Orga-Team group, with exactly the organizers' permissions."""
    from events.models.orga import make_organizer

    return make_organizer("orga@example.org", name="Olga Orga", verified=True).user


def _profiles(demo: Demo) -> None:
    from accounts.models import Field, Visibility

    member = demo.users[MEMBER]
    profile = member.profile
    profile.field = Field.RECRUITING
    profile.organisation = "Beispiel GmbH"
    profile.role = "Recruiterin"
    profile.bio = "Ich suche Leute für Jobs, die es auf LinkedIn noch nicht gibt."
    profile.challenge = "Wie erreiche ich Azubis auf TikTok?"
    profile.website = "https://example.org/mia"
    profile.save()
    public = demo.others[0].profile
    public.visibility = Visibility.PUBLIC
    public.field = Field.AGENCY
    public.bio = "Agentur in der Südstadt, seit dem Kick-off dabei."
    public.save()
    demo.public_profile = public


def _events(demo: Demo) -> None:
    from events.models import RSVP, Event, EventStatus, PendingRSVP, RSVPStatus, Venue

    venue, _ = Venue.objects.get_or_create(
        name="La Sall",
        defaults={
            "street": "Musterstraße 1",
            "postcode": "30171",
            "city": "Hannover",
            "district": "Südstadt",
            "accessibility_notes": "Ebenerdiger Eingang.",
        },
    )
    today = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)

    def event(days: int, **extra: Any) -> Event:
        start = today + timedelta(days=days)
        fields = {
            "title": "#SoMe Stammtisch Hannover",
            "motto": "Kommentare, Kritik, Shitstorm: Wie antworten wir öffentlich?",
            "description": "Ein kurzer **Impuls**, danach Gespräche in kleiner Runde.",
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "venue": venue,
            "status": EventStatus.PUBLISHED,
            "capacity": 20,
            "published_at": timezone.now(),
        }
        return Event.objects.create(**{**fields, **extra})

    member, others = demo.users[MEMBER], demo.others
    demo.next_event = event(7)
    for person in [member, *others[:3]]:
        demo.next_event.rsvp(person)
    demo.full_event = event(
        35, capacity=2, motto="Mitarbeitende als Markenbotschafter:innen"
    )
    for person in [*others[:2], member]:
        demo.full_event.rsvp(person)
    demo.open_event = event(
        63, motto="LinkedIn, Instagram, Mastodon: Wo lohnt sich was?"
    )
    # "I'm coming" by e-mail, waiting for the link to be opened.
    demo.rsvp_token = PendingRSVP.start(demo.open_event, "lea@example.org").token
    demo.cancelled_event = event(
        91, status=EventStatus.CANCELLED, cancellation_reason="Die Kneipe hat zu."
    )
    demo.draft_event = event(119, status=EventStatus.DRAFT, published_at=None)
    demo.past_event = event(
        -28,
        title="Kick-off: #SoMe Stammtisch Hannover",
        motto="Social Media: was ist das und wie fange ich es an?",
    )
    for person in [member, *others]:
        RSVP.objects.create(
            event=demo.past_event, member=person, status=RSVPStatus.GOING
        )


def _legal_pages(demo: Demo) -> None:
    # Seeded by a data migration, but transactional tests flush the database.
    from accounts.models import LegalPage

    for kind, title in LegalPage.Kind.choices:
        LegalPage.objects.get_or_create(
            kind=kind, defaults={"title": str(title), "body": "## Kontakt\n\nOrga-Team"}
        )


def _recap(demo: Demo) -> None:
    from events.models import Recap, RecapStatus

    organizer, member = demo.users[ORGANIZER], demo.users[MEMBER]
    demo.recap = Recap.objects.create(
        event=demo.past_event,
        title="Rückblick: So war der Kick-off",
        slug="rueckblick-kick-off",
        lead="Zwölf Leute, ein Motto und viel zu erzählen.",
        body="## Wer da war\n\nRecruiting, Coaching, Agenturen.\n\n- Eins\n- Zwei",
        author=organizer,
        status=RecapStatus.PUBLISHED,
        published_at=timezone.now() - timedelta(days=1),
    )
    _photos(demo)
    first = demo.recap.add_comment(member, "Schöner Abend, danke fürs Organisieren!")
    demo.recap.add_comment(
        demo.others[0], "Fand ich auch, bis zum nächsten Mal.", first
    )
    demo.recap.add_comment(demo.others[1], "Wann ist das nächste Treffen?")
    demo.comment = first


def _photos(demo: Demo) -> None:
    """Three photo-like pictures (gradients with grain) in the recap, one the cover.

    They are stored under MEDIA_ROOT: tests point it at a temporary folder.
    """
    from PIL import Image, ImageChops, ImageOps

    from events.models import RecapPhoto

    colours = [("#b5391c", "#fbe3da"), ("#1f5fbf", "#f4ece3"), ("#1d6b3a", "#fdefd3")]
    photos = []
    for position, (dark, light) in enumerate(colours):
        gradient = Image.linear_gradient("L").rotate(30 * position).resize((1800, 1200))
        grain = Image.effect_noise((1800, 1200), 24)
        picture = ImageOps.colorize(ImageChops.overlay(gradient, grain), dark, light)
        photo = RecapPhoto(
            recap=demo.recap,
            position=position,
            alt_text=f"Leute im Gespräch an einem Kneipentisch, Bild {position + 1}",
        )
        photo.store(picture)
        photo.save()
        photos.append(photo)
    demo.recap.cover = photos[0]
    demo.recap.save(update_fields=["cover"])


def _impulses(demo: Demo) -> None:
    from impulses.models import Proposal, Wish

    member = demo.users[MEMBER]
    demo.wish = Wish.objects.create(
        title="Employer Branding auf TikTok",
        context="Wir suchen Azubis und erreichen sie nicht.",
        author=member,
    )
    for person in demo.others[:2]:
        demo.wish.vote(person)
    demo.proposal = Proposal.objects.create(
        proposer=member,
        title="Recruiting mit kurzen Videos",
        abstract="Was bei uns funktioniert hat und was nicht.",
        wish=demo.wish,
    )


# --------------------------------------------------------------------------- visiting


@dataclass
class Target:
    """One page as one role sees it."""

    label: str
    role: str
    url: str
    status: int = 200
    crawled: bool = False
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        how = ", found by crawling" if self.crawled else ""
        return f"{self.label} [{self.role}{how}] {self.url}"


def logged_in_client(demo: Demo, role: str, **defaults: Any) -> Client:
    client = Client(**defaults)
    if demo.users.get(role) is not None:
        client.force_login(demo.users[role])
    return client


def listed_targets(demo: Demo, role: str) -> Iterator[Target]:
    """The listed pages for a role whose URL and demo object exist."""
    for page in PAGES:
        if role not in page.roles:
            continue
        try:
            url = page.url(demo)
        except (NoReverseMatch, MissingDemo) as exc:
            demo.skipped.append(f"{page.label}: {type(exc).__name__}: {exc}")
            continue
        yield Target(page.label, role, url, page.status)


def collect_targets(
    demo: Demo, role: str, client: Client | None = None
) -> list[Target]:
    """Listed pages plus pages linked from them (one per view), rendered with `client`.

    Each target keeps the HTML and headers of its response. A listed page that
    answers with another status than expected keeps an `X-Unexpected-Status` header
    for the checks to report; a crawled link that is no HTML page is dropped.
    """
    client = client or logged_in_client(demo, role)
    queue = list(listed_targets(demo, role))
    seen_urls = {t.url for t in queue}
    seen_views = {_view_name(t.url) for t in queue}
    targets: list[Target] = []
    while queue:
        target = queue.pop(0)
        response = client.get(target.url)
        is_html = _is_html(response)
        if target.crawled and (response.status_code != 200 or not is_html):
            continue
        targets.append(target)
        target.html = response.content.decode() if is_html else ""
        target.headers = dict(response.headers)
        if response.status_code != target.status:
            target.headers["X-Unexpected-Status"] = str(response.status_code)
            continue
        for url in links(target.html):
            view = _view_name(url)
            if url in seen_urls or view is None or view in seen_views:
                continue
            if sum(t.crawled for t in targets + queue) >= MAX_CRAWLED_PER_ROLE:
                break
            seen_urls.add(url)
            seen_views.add(view)
            queue.append(Target(view, role, url, 200, crawled=True))
    return targets


def _is_html(response: Any) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def _view_name(url: str) -> str | None:
    path = urlsplit(url).path
    if path.startswith(SKIP_PREFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name in SKIP_VIEWS or path.endswith((".ics", ".xml", ".txt")):
        return None
    return match.view_name


def error_pages(language: str = "de") -> list[Target]:
    """Every error page template (`templates/400.html`, `403_csrf.html`, `500.html`,
    …) but 404, which a real URL shows, rendered as its handler would.

    No URL leads to them on purpose, so they are rendered directly; the browser check
    serves them through a route on the live server's origin.
    """
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    folder = Path(settings.TEMPLATES[0]["DIRS"][0])
    names = sorted(
        path.name
        for path in folder.glob("*.html")
        if re.fullmatch(r"\d{3}(_\w+)?\.html", path.name) and path.name != "404.html"
    )
    request = RequestFactory().get("/orga/", headers={"accept-language": language})
    targets = []
    with translation.override(language):
        for name in names:
            html = render_to_string(name, {"request_path": "/orga/"}, request=request)
            status = int(name[:3])
            url = f"/__error-page/{name.removesuffix('.html')}/"
            targets.append(
                Target(f"error page {name}", ANONYMOUS, url, status, html=html)
            )
    return targets


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") and "download" not in values:
            self.hrefs.append(values["href"] or "")


def links(html: str) -> list[str]:
    """Same-site page links in the HTML (no fragments, no other hosts or schemes)."""
    parser = _LinkParser()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


INLINE_PATTERNS = {
    "inline <script>": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")[^>]*>", re.I
    ),
    "style= attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "on…= handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(
        r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I
    ),
}
