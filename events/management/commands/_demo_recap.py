"""The demo recap of the 2016 kick-off, for `seed_demo` (not a command of its own)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Q

from events.models import Comment, Event, Recap, RecapStatus

BERLIN = ZoneInfo("Europe/Berlin")

KICKOFF_RECAP_SLUG = "kick-off-2016"
KICKOFF_RECAP_TITLE = "Kick-off: So war der erste #SoMe Stammtisch Hannover"
KICKOFF_RECAP_LEAD = (
    "Am 27. September 2016 saßen wir zum ersten Mal im La Sall in der Südstadt "
    "zusammen: Leute aus Personalvermittlung, interner Kommunikation, Coaching, "
    "Steuerberatung, Agenturen und freiberufliche Social-Media-Profis. Bunter "
    "hätte die Runde kaum sein können."
)
KICKOFF_RECAP_BODY = """\
Das Motto des Abends war so einfach wie groß: **„Social Media – was ist das und wie \
fange ich es an?“** Jede und jeder hat sich vorgestellt und erzählt, wo es in Social \
Media gerade hakt. Aus diesen Vorstellungen wurden ganz schnell kleine \
Gesprächsrunden, die bis spät in den Abend gingen.

## Facebook ist ein Gesprächskanal, kein Plakat

Zum Einstieg habe ich von einem Gespräch mit einem Versicherungsmakler erzählt. Er \
ärgerte sich über die Facebook-Seite seiner Versicherung: Dort dürfe ja jeder \
etwas posten, auch Kritik, und das lasse das Unternehmen schlecht aussehen. Am \
liebsten würde er die Beiträge von Fans abschalten und nur noch Werbung zeigen.

Die Runde war einhellig sprachlos. Denn wer sich in sozialen Netzwerken zeigt, wird \
dort auch angesprochen, genau wie Menschen dort miteinander reden. Beschwerden \
gehören dazu, und der Kundenservice kann dem Social-Media-Team helfen, sie gut zu \
beantworten, statt sie zu verstecken.

## Innen und außen gehören zusammen

Nach dem offiziellen Teil kam eine zweite Erkenntnis dazu: Social Media ist nicht \
nur Kommunikation nach draußen. Was ein Unternehmen nach außen erzählt, muss es \
innen auch leben. Erst wenn Mitarbeitende verstehen, was passiert und warum, können \
sie zu echten Markenbotschafter:innen werden. Interne und externe Kommunikation \
bauen aufeinander auf.

## Wie es weitergeht

Das Schönste an diesem Abend: Kaum jemand hat aufs Handy geschaut, höchstens um \
kurz ein Beispiel zu zeigen. Was Social Media im Netz sein soll, ein Ort für \
Austausch zwischen Menschen, haben wir an diesem Tisch einfach analog gemacht.

So soll es bleiben: Im Mittelpunkt steht das Gespräch. Dazu gibt es kurze Impulse, \
mal von euch, mal von mir als Organisatorin, mal von Gästen.

Danke an alle, die dabei waren! Erzählt gern in den Kommentaren, was ihr \
mitgenommen habt.
"""
DEMO_COMMENTS = [
    (
        "Was für ein Auftakt! Die Geschichte mit dem Versicherungsmakler erzähle ich "
        "seitdem in jedem Workshop.",
        "Geht mir genauso. Bis zum nächsten Mal!",
    ),
]


def seed_kickoff_recap(kickoff: Event) -> Recap:
    """Create or refresh the kick-off recap; demo comments only on the first run."""
    user_model = get_user_model()
    author = (
        user_model.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    )
    recap, _ = Recap.objects.update_or_create(
        event=kickoff,
        defaults={
            "slug": KICKOFF_RECAP_SLUG,
            "title": KICKOFF_RECAP_TITLE,
            "lead": KICKOFF_RECAP_LEAD,
            "body": KICKOFF_RECAP_BODY,
            "status": RecapStatus.PUBLISHED,
            "published_at": datetime(2016, 9, 29, 9, 0, tzinfo=BERLIN),
        },
    )
    if recap.author_id is None and author is not None:
        recap.author = author
        recap.save(update_fields=["author"])
    # Demo members are the ones with addresses at the reserved example domains.
    demo_members = list(
        user_model.objects.filter(
            Q(email__iendswith="@example.org") | Q(email__iendswith="@example.com"),
            is_active=True,
            is_staff=False,
        ).order_by("pk")[:2]
    )
    if len(demo_members) == 2 and not recap.comments.exists():
        for text, reply_text in DEMO_COMMENTS:
            comment = Comment.objects.create(
                recap=recap, author=demo_members[0], body=text
            )
            reply = Comment.objects.create(
                recap=recap, author=demo_members[1], parent=comment, body=reply_text
            )
            # Written the evening after the recap came out, as they would have been.
            Comment.objects.filter(pk=comment.pk).update(
                created_at=datetime(2016, 9, 29, 20, 15, tzinfo=BERLIN)
            )
            Comment.objects.filter(pk=reply.pk).update(
                created_at=datetime(2016, 9, 29, 21, 40, tzinfo=BERLIN)
            )
    return recap
