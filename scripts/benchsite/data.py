"""The benchmark's data set: a busy Stammtisch after about nine years, built set-wise.

Everything is written with `bulk_create` and a few set-based UPDATEs, so the full set
(1,000 members, 500 evenings, 20,000 RSVPs, 10,000 comments) takes seconds. Random
choices come from a fixed seed: two runs build the same pages.

Shapes that the benchmark measures on purpose:
- the next evening has `BIG_EVENT_GOING` people going (the page a shared link opens);
- the newest recap has `BIG_RECAP_COMMENTS` comments, some of them replies;
- the bench member (`BENCH_EMAIL`) is going to the next evening and has a history.
"""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import ExpressionWrapper, F, OuterRef, Subquery, Value
from django.utils import timezone

from accounts.models import Field, Profile, User, Visibility
from events.models import (
    RSVP,
    Comment,
    Event,
    EventStatus,
    Recap,
    RecapStatus,
    RSVPStatus,
    Venue,
)
from somehub.lib.markdown import render_markdown
from somehub.lib.text import plain_text_to_html

BERLIN = ZoneInfo("Europe/Berlin")
BENCH_EMAIL = "bench@example.org"
ORGA_EMAIL = "orga@bench.example.org"
BATCH = 2000

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "Deniz",
    "Elif",
    "Finn",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Katrin",
    "Lukas",
    "Mia",
    "Nils",
    "Ole",
    "Paula",
    "Rahel",
    "Sven",
    "Tarek",
    "Ute",
]
LAST_NAMES = [
    "Becker",
    "Demir",
    "Fischer",
    "Hoffmann",
    "Kaya",
    "Krüger",
    "Lange",
    "Meyer",
    "Neumann",
    "Özdemir",
    "Peters",
    "Richter",
    "Schmidt",
    "Schulz",
    "Wagner",
    "Weber",
]
ORGANISATIONS = [
    "Stadtwerke Hannover",
    "Agentur Südstadt",
    "Kanzlei Lindenau",
    "Freiberuflich",
    "Klinikum Region",
    "Messe-Team",
    "Personalberatung Nord",
    "",
]
MOTTOS = [
    "Kommentare, Kritik, Shitstorm: Wie antworten wir öffentlich?",
    "Mitarbeitende als Markenbotschafter:innen",
    "LinkedIn, Instagram, Mastodon: Wo lohnt sich was?",
    "Social Media: was ist das?",
    "Recruiting über Social Media: was funktioniert?",
    "Redaktionsplan ohne Stress",
]
DESCRIPTION = """\
Einmal im Monat treffen wir uns zum Austausch über **Social Media**: ein kurzer \
Impuls zum Einstieg, danach Gespräche in kleiner Runde.

- Wann: ab 19 Uhr, Ende offen
- Für wen: alle, die beruflich mit Social Media zu tun haben
- Kosten: keine, jede:r zahlt die eigenen Getränke

Komm vorbei, ob du schon lange dabei bist oder zum ersten Mal kommst. \
[Mehr über uns](https://example.org/ueber-uns).
"""
RECAP_BODY = """\
Was für ein Abend! Gut zwanzig Leute aus Recruiting, interner Kommunikation, \
Coaching und Agenturen saßen zusammen, und schnell ging es um die Frage, wie viel \
Persönlichkeit ein Unternehmensprofil verträgt.

## Was wir mitgenommen haben

1. Ein klarer Ton schlägt jeden Redaktionsplan.
2. Kritik öffentlich anzunehmen, schafft Vertrauen.
3. Niemand muss auf jeder Plattform sein.

Danke an alle, die da waren, und bis zum nächsten Mal!
"""
DESCRIPTION_HTML = str(render_markdown(DESCRIPTION))
RECAP_BODY_HTML = str(render_markdown(RECAP_BODY))

COMMENT_TEXTS = [
    "Danke für den schönen Abend, ich habe viel mitgenommen!",
    "Der Impuls zu LinkedIn hat mir richtig geholfen. Gibt es die Folien irgendwo?",
    "Spannende Runde. Beim nächsten Mal bringe ich eine Kollegin mit.",
    "Ich fand die Diskussion über Shitstorms am besten. <b>Mehr davon</b> & gerne "
    "auch mit Beispielen aus Hannover.",
    "Kurze Frage an alle: Wer nutzt schon Mastodon für die Arbeit? "
    "Siehe auch www.example.org/mastodon",
    "War leider nur kurz da, aber es hat sich gelohnt.",
    "Super organisiert, danke an das Orga-Team!",
]


@dataclass(frozen=True)
class BenchPlan:
    """How many of each thing; `scaled()` shrinks the set for tests."""

    members: int = 1000
    events: int = 500
    upcoming: int = 50
    rsvps: int = 20_000
    big_event_going: int = 200
    recaps: int = 200
    comments: int = 10_000
    big_recap_comments: int = 200
    wishes: int = 400
    votes: int = 2000

    def scaled(self, scale: float) -> "BenchPlan":
        if scale == 1:
            return self
        values = {
            f.name: max(1, round(getattr(self, f.name) * scale)) for f in fields(self)
        }
        plan = replace(self, **values)
        # Keep the shapes possible: a past evening for every recap, people for seats.
        return replace(
            plan,
            members=max(plan.members, 4),
            events=max(plan.events, plan.upcoming + plan.recaps),
            big_event_going=min(plan.big_event_going, plan.members),
        )


@dataclass
class BenchResult:
    counts: dict[str, int]
    next_event: Event
    big_recap: Recap | None
    bench_user: User


def chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk(model: type[models.Model], objects: list[Any]) -> list[Any]:
    created: list[Any] = []
    for part in chunks(objects):
        created.extend(model._default_manager.bulk_create(part))
    return created


class BenchBuilder:
    """Builds the data set into an empty database; see the module docstring."""

    def __init__(self, plan: BenchPlan, seed: int = 9) -> None:
        self.plan = plan
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
        self.now = timezone.now()

    def build(self) -> BenchResult:
        members = self.members()
        venues = self.venues()
        events = self.events(venues)
        upcoming = [e for e in events if e.ends_at >= self.now]
        past = [e for e in events if e.ends_at < self.now]
        rsvp_count = self.rsvps(members, upcoming, past)
        recaps = self.recaps(past, members[1])
        comment_count = self.comments(recaps, members)
        counts = {
            "members": len(members),
            "events": len(events),
            "upcoming events": len(upcoming),
            "rsvps": rsvp_count,
            "recaps": len(recaps),
            "comments": comment_count,
        }
        counts.update(self.impulses(members, upcoming, recaps))
        return BenchResult(
            counts=counts,
            next_event=upcoming[0],
            big_recap=recaps[0] if recaps else None,
            bench_user=members[0],
        )

    # Members --------------------------------------------------------------------

    def members(self) -> list[User]:
        """Members with profiles and confirmed addresses; [0] is the bench member,
        [1] the organizer who writes the recaps."""
        password = make_password("bench-password")  # hashed once, shared by all
        emails = [BENCH_EMAIL, ORGA_EMAIL] + [
            f"member{i:04d}@bench.example.org" for i in range(2, self.plan.members)
        ]
        users = bulk(
            User,
            [
                User(email=email, password=password, is_staff=(i == 1))
                for i, email in enumerate(emails)
            ],
        )
        visibilities = (
            [Visibility.PUBLIC] * 6 + [Visibility.MEMBERS] * 3 + [Visibility.ORGANIZERS]
        )
        field_values = [f.value for f in Field]
        profiles = []
        for i, user in enumerate(users):
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            profiles.append(
                Profile(
                    user=user,
                    handle=f"member-{i:04d}",
                    display_name=name if i % 7 else "",
                    field=field_values[i % len(field_values)],
                    organisation=self.rng.choice(ORGANISATIONS),
                    role="Social Media Managerin" if i % 2 else "Recruiter",
                    bio="Ich mache Social Media für ein Team in Hannover.",
                    visibility=visibilities[i % len(visibilities)]
                    if i > 1
                    else "public",
                    show_in_attendee_lists=bool(i % 10),
                    preferred_language="en" if i % 5 == 0 else "de",
                )
            )
        bulk(Profile, profiles)
        bulk(
            EmailAddress,
            [
                EmailAddress(user=u, email=u.email, verified=True, primary=True)
                for u in users
            ],
        )
        orga = users[1]
        orga.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="events")
        )
        return users

    def venues(self) -> list[Venue]:
        return bulk(
            Venue,
            [
                Venue(
                    name="La Sall",
                    street="Sallstraße 1",
                    postcode="30171",
                    district="Südstadt",
                    latitude="52.365000",
                    longitude="9.750000",
                    accessibility_notes="Ebenerdiger Eingang, Toilette im Keller.",
                ),
                Venue(
                    name="Café Glocksee", street="Glockseestraße 35", postcode="30169"
                ),
                Venue(
                    name="Lindener Turm",
                    street="Am Lindener Berge 1",
                    district="Linden",
                ),
                Venue(name="Kuriosum", street="Lister Meile 9", district="List"),
            ],
        )

    # Events and RSVPs -----------------------------------------------------------

    def events(self, venues: list[Venue]) -> list[Event]:
        """Weekly evenings: the past ones newest first, then the upcoming ones."""
        today = timezone.localtime(self.now).date()
        # The next evening is tomorrow; the others follow weekly, before and after.
        first_upcoming = datetime.combine(today + timedelta(days=1), time(19), BERLIN)
        weeks = range(self.plan.upcoming - self.plan.events, self.plan.upcoming)
        events = []
        for n, week in enumerate(weeks, start=1):
            start = first_upcoming + timedelta(days=7 * week)
            is_next = week == 0
            events.append(
                Event(
                    title=f"#SoMe Stammtisch #{n}",
                    slug=f"{start.date().isoformat()}-some-stammtisch-{n}",
                    motto=MOTTOS[n % len(MOTTOS)],
                    description=DESCRIPTION,
                    # bulk_create skips save(), which makes the HTML.
                    rendered_description=DESCRIPTION_HTML,
                    starts_at=start,
                    ends_at=start + timedelta(hours=3),
                    venue=venues[n % len(venues)],
                    capacity=250 if is_next else 40,
                    status=EventStatus.CANCELLED
                    if n % 41 == 0 and not is_next
                    else EventStatus.PUBLISHED,
                    published_at=start - timedelta(days=30),
                )
            )
        created = bulk(Event, events)
        upcoming_events = [e for e in created if e.ends_at >= self.now]
        past_events = [e for e in created if e.ends_at < self.now]
        past_events.reverse()  # newest past evening first
        return upcoming_events + past_events

    def rsvps(
        self, members: list[User], upcoming: list[Event], past: list[Event]
    ) -> int:
        """The next evening gets BIG_EVENT_GOING people; the rest spreads out."""
        plan = self.plan
        rows: list[RSVP] = []
        big = upcoming[0]
        going = [members[0], *self.rng.sample(members[2:], plan.big_event_going - 1)]
        rows += [RSVP(event=big, member=m, status=RSVPStatus.GOING) for m in going]
        others = [e for e in upcoming[1:] if e.status == EventStatus.PUBLISHED]
        left = max(plan.rsvps - len(rows), 0)
        per_upcoming = min(12, left // max(len(others) + len(past), 1))
        for event in others:
            rows += self._answers(event, members, per_upcoming, checked_in=False)
        left = max(plan.rsvps - len(rows), 0)
        for i, event in enumerate(past):
            share = left // (len(past) - i)
            answers = self._answers(event, members, share, checked_in=True)
            left -= len(answers)
            rows += answers
            if i < 30 and not any(r.member_id == members[0].pk for r in answers):
                rows.append(
                    RSVP(event=event, member=members[0], status=RSVPStatus.GOING)
                )
        bulk(RSVP, rows)
        return len(rows)

    def _answers(
        self, event: Event, members: list[User], count: int, *, checked_in: bool
    ) -> list[RSVP]:
        people = self.rng.sample(members[1:], min(count, len(members) - 1))
        rows = []
        seats = event.capacity or len(people)
        waiting_since = event.starts_at - timedelta(days=3)
        for n, member in enumerate(people):
            if n % 9 == 8:
                status, since = RSVPStatus.NOT_GOING, None
            elif n < seats:
                status, since = RSVPStatus.GOING, None
            else:
                status, since = RSVPStatus.WAITING, waiting_since + timedelta(minutes=n)
            came = checked_in and status == RSVPStatus.GOING and n % 4 != 0
            rows.append(
                RSVP(
                    event=event,
                    member=member,
                    status=status,
                    waiting_since=since,
                    checked_in_at=event.starts_at + timedelta(minutes=10)
                    if came
                    else None,
                )
            )
        return rows

    # Recaps and comments --------------------------------------------------------

    def recaps(self, past: list[Event], author: User) -> list[Recap]:
        """Recaps of the newest past evenings that took place; [0] is the newest."""
        held = [e for e in past if e.status == EventStatus.PUBLISHED][
            : self.plan.recaps
        ]
        return bulk(
            Recap,
            [
                Recap(
                    event=event,
                    title=f"Rückblick: {event.title}",
                    slug=f"rueckblick-{event.slug}",
                    lead="Ein Abend voller Gespräche über Social Media in Hannover.",
                    body=RECAP_BODY,
                    rendered_body=RECAP_BODY_HTML,
                    author=author,
                    status=RecapStatus.PUBLISHED,
                    published_at=event.ends_at + timedelta(days=2),
                )
                for event in held
            ],
        )

    def comments(self, recaps: list[Recap], members: list[User]) -> int:
        """BIG_RECAP_COMMENTS on the newest recap, the rest spread; a fifth are
        replies, a few hidden by the Orga-Team."""
        if not recaps:
            return 0
        plan = self.plan
        left = max(plan.comments - plan.big_recap_comments, 0)
        per_recap = (
            [plan.big_recap_comments]
            + [
                left // (len(recaps) - 1) + (1 if i < left % (len(recaps) - 1) else 0)
                for i in range(len(recaps) - 1)
            ]
            if len(recaps) > 1
            else [plan.comments]
        )
        tops: list[Comment] = []
        replies_wanted: list[tuple[Recap, int]] = []
        for recap, count in zip(recaps, per_recap, strict=True):
            n_replies = count // 5 if count >= 2 else 0
            replies_wanted.append((recap, n_replies))
            tops += [self._comment(recap, members, n) for n in range(count - n_replies)]
        tops = bulk(Comment, tops)
        by_recap: dict[int, list[Comment]] = {}
        for comment in tops:
            by_recap.setdefault(comment.recap_id, []).append(comment)
        replies = []
        for recap, n_replies in replies_wanted:
            parents = [c for c in by_recap.get(recap.pk, []) if not c.is_hidden]
            for n in range(n_replies if parents else 0):
                reply = self._comment(recap, members, n)
                reply.parent = parents[n % len(parents)]
                reply.is_hidden = False
                replies.append(reply)
        bulk(Comment, replies)
        # bulk_create stamps every comment "now": spread them over the days after
        # each recap went online, in the order they were written.
        published = Recap.objects.filter(pk=OuterRef("recap_id")).values("published_at")
        minutes = ExpressionWrapper(
            F("pk") * Value(timedelta(seconds=20)), output_field=models.DurationField()
        )
        Comment.objects.update(
            created_at=ExpressionWrapper(
                Subquery(published[:1]) + minutes, output_field=models.DateTimeField()
            )
        )
        return len(tops) + len(replies)

    def _comment(self, recap: Recap, members: list[User], n: int) -> Comment:
        text = self.rng.choice(COMMENT_TEXTS)
        return Comment(
            recap=recap,
            author=self.rng.choice(members[1:]),
            body=text,
            # bulk_create skips save(), which makes the HTML.
            body_html=plain_text_to_html(text),
            is_hidden=n % 50 == 49,
        )

    # Impulse (when the app is installed) ---------------------------------------

    def impulses(
        self, members: list[User], upcoming: list[Event], recaps: list[Recap]
    ) -> dict[str, int]:
        """Wishes, votes and agendas; nothing while the impulses app is absent."""
        if not apps.is_installed("impulses"):
            return {}
        Wish = apps.get_model("impulses", "Wish")
        Vote = apps.get_model("impulses", "Vote")
        AgendaItem = apps.get_model("impulses", "AgendaItem")
        wishes = bulk(
            Wish,
            [
                Wish(
                    title=f"Wie geht {topic}? (Wunsch {n})",
                    context="Das würde mir im Job helfen.",
                    author=self.rng.choice(members),
                )
                for n, topic in enumerate(
                    (MOTTOS * (self.plan.wishes // len(MOTTOS) + 1))[: self.plan.wishes]
                )
            ],
        )
        pairs: set[tuple[int, int]] = set()
        limit = min(self.plan.votes, len(wishes) * len(members))
        while len(pairs) < limit:
            # Popular wishes get more votes, as in life.
            wish = wishes[int(len(wishes) * self.rng.random() ** 2)]
            pairs.add((wish.pk, self.rng.choice(members).pk))
        bulk(Vote, [Vote(wish_id=w, member_id=m) for w, m in sorted(pairs)])
        items = []
        for event in upcoming[:1]:
            items += [
                AgendaItem(
                    event=event,
                    order=1,
                    starts_at=event.starts_at,
                    title="Begrüßung",
                    length=5,
                ),
                AgendaItem(
                    event=event,
                    order=2,
                    starts_at=event.starts_at + timedelta(minutes=10),
                    title="Impuls: Social Media im Mittelstand",
                    speaker=members[3],
                    length=15,
                ),
                AgendaItem(
                    event=event,
                    order=3,
                    starts_at=event.starts_at + timedelta(minutes=30),
                    title="Offene Runde",
                ),
            ]
        for n, recap in enumerate(recaps):
            held = recap.event
            if held is None:
                continue
            items.append(
                AgendaItem(
                    event=held,
                    order=1,
                    starts_at=held.starts_at + timedelta(minutes=10),
                    title=f"Impuls: {MOTTOS[n % len(MOTTOS)]}",
                    speaker=members[2 + n % (len(members) - 2)]
                    if len(members) > 2
                    else None,
                    length=10,
                )
            )
        bulk(AgendaItem, items)
        return {"wishes": len(wishes), "votes": len(pairs), "agenda items": len(items)}
