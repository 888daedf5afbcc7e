"""Demo Impulse: a few members, topic wishes with votes, proposals and two agendas.

Run after `seed_demo` (it needs the events). Safe to run again: it looks things up
before it creates them and only moves a proposal forward once.
"""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import Field, Profile, User, Visibility
from events.models import Event, EventStatus
from impulses.models import AgendaItem, Proposal, ProposalStatus, Wish

BERLIN = ZoneInfo("Europe/Berlin")

MEMBERS = [
    {
        "email": "lena.krueger@example.org",
        "name": "Lena Krüger",
        "handle": "lena-krueger",
        "field": Field.RECRUITING,
        "challenge": (
            "Wie spreche ich auf LinkedIn Kandidat:innen an, ohne dass es sich nach "
            "Massenmail anfühlt?"
        ),
    },
    {
        "email": "tobias.brandt@example.org",
        "name": "Tobias Brandt",
        "handle": "tobias-brandt",
        "field": Field.INTERNAL_COMMS,
        "challenge": (
            "Unsere Mitarbeitenden posten nichts über uns. Wie ändern wir das?"
        ),
    },
    {
        "email": "aylin.demir@example.org",
        "name": "Aylin Demir",
        "handle": "aylin-demir",
        "field": Field.FREELANCE,
        "challenge": "Drei Kund:innen, zwölf Kanäle und nur ein Redaktionsplan.",
    },
    {
        "email": "markus.steiner@example.org",
        "name": "Markus Steiner",
        "handle": "markus-steiner",
        "field": Field.TAX_ADVICE,
        "challenge": "",
    },
]

# (title, context, author index, voter indexes)
WISHES = [
    (
        "Wie antworte ich auf negative Beiträge auf der Facebook-Seite unseres "
        "Unternehmens?",
        "Bei uns will die Geschäftsführung die Besucherbeiträge am liebsten "
        "abschalten.",
        3,
        [0, 1, 2],
    ),
    (
        "Mitarbeitende als Markenbotschafter:innen: Wo fangen wir intern an?",
        "",
        1,
        [0, 2],
    ),
    (
        "Lohnt sich Mastodon für eine kleine Kanzlei?",
        "Oder reicht LinkedIn völlig?",
        3,
        [1],
    ),
    (
        "Redaktionsplan für Einzelkämpfer:innen: Wie viel Planung ist genug?",
        "",
        2,
        [],
    ),
]

# (title, abstract, length, proposer index, wish index or None, target status)
PROPOSALS = [
    (
        "Active Sourcing auf LinkedIn ohne Spam-Gefühl",
        "Drei Nachrichten, die geantwortet bekommen, und drei, die sofort gelöscht "
        "werden: was ich in acht Jahren Personalvermittlung über die erste "
        "Kontaktaufnahme gelernt habe.",
        10,
        0,
        None,
        ProposalStatus.SCHEDULED,
    ),
    (
        "Interne Kommunikation zuerst: Markenbotschafter:innen wachsen von innen",
        "Warum niemand für ein Unternehmen postet, das intern schweigt, und wie ein "
        "kleines Intranet-Ritual das bei uns geändert hat.",
        15,
        1,
        1,
        ProposalStatus.ACCEPTED,
    ),
    (
        "Canva-Vorlagen, die nicht nach Canva aussehen",
        "Fünf Minuten, fünf Handgriffe: so bekommen Vorlagen eure eigene Handschrift.",
        5,
        2,
        None,
        ProposalStatus.SUBMITTED,
    ),
]


class Command(BaseCommand):
    help = "Create (or refresh) demo topic wishes, Impuls proposals and agendas."

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo people have made-up addresses: their status mails go nowhere.
        quiet = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        with override_settings(MAILERS=quiet), transaction.atomic():
            self._seed()

    def _seed(self) -> None:
        members = [self._member(**data) for data in MEMBERS]
        wishes = []
        for title, context, author, voters in WISHES:
            wish, _ = Wish.objects.get_or_create(
                title=title, defaults={"context": context, "author": members[author]}
            )
            for voter in voters:
                if wish.is_open:
                    wish.vote(members[voter])
            wishes.append(wish)

        upcoming = list(
            Event.objects.filter(status=EventStatus.PUBLISHED).upcoming()[:1]
        )
        next_event = upcoming[0] if upcoming else None
        for title, abstract, length, who, wish_index, target in PROPOSALS:
            proposal, _ = Proposal.objects.get_or_create(
                title=title,
                proposer=members[who],
                defaults={
                    "abstract": abstract,
                    "length": length,
                    "wish": wishes[wish_index] if wish_index is not None else None,
                },
            )
            if next_event is not None:
                proposal.preferred_events.add(next_event)
            self._advance(proposal, target, next_event)

        own_items = AgendaItem.objects.filter(event=next_event, proposal__isnull=True)
        if next_event is not None and not own_items.exists():
            self._item(next_event, 0, "Ankommen, Getränke, Begrüßung")
            self._item(next_event, 45, "Offene Runde: Was beschäftigt euch gerade?")
        self._kickoff_agenda()
        self.stdout.write(
            self.style.SUCCESS(
                f"Impulse ready: {Wish.objects.count()} wishes, "
                f"{Proposal.objects.count()} proposals, "
                f"{AgendaItem.objects.count()} agenda items."
            )
        )

    def _member(
        self, *, email: str, name: str, handle: str, field: str, challenge: str
    ) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email)  # no password: demo only
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Profile.objects.get_or_create(
            user=user,
            defaults={
                "handle": handle,
                "display_name": name,
                "field": field,
                "challenge": challenge,
                "visibility": Visibility.MEMBERS,
            },
        )
        return user

    def _advance(self, proposal: Proposal, target: str, event: Event | None) -> None:
        """Move a demo proposal forward through the same steps the Orga-Team takes."""
        wanted = [ProposalStatus.ACCEPTED, ProposalStatus.SCHEDULED]
        if target in wanted and proposal.can("accept"):
            proposal.accept("Sehr gern! Wir melden uns mit dem Termin.")
        if (
            target == ProposalStatus.SCHEDULED
            and event is not None
            and proposal.status == ProposalStatus.ACCEPTED
        ):
            proposal.schedule(event, event.starts_at + timedelta(minutes=15))

    def _item(self, event: Event, minutes: int, title: str) -> AgendaItem:
        at = event.starts_at + timedelta(minutes=minutes)
        return AgendaItem.objects.place(event, at, title=title)

    def _kickoff_agenda(self) -> None:
        kickoff = Event.objects.filter(
            starts_at=datetime(2016, 9, 27, 19, 0, tzinfo=BERLIN)
        ).first()
        if kickoff is None or kickoff.agenda_items.exists():
            return
        self._item(kickoff, 0, "Begrüßung und Vorstellungsrunde")
        AgendaItem.objects.place(
            kickoff,
            kickoff.starts_at + timedelta(minutes=40),
            title="Facebook ist kein Werbe-, sondern ein Kommunikationskanal",
            speaker_name="Orga-Team #SoMeH",
            length=10,
        )
