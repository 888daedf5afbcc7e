"""The Impulse on other pages: the event's agenda, the home page, recaps, profiles."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from core import pagecache
from impulses.models import AgendaItem, ProposalStatus
from tests.impulses.conftest import at

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def started_generation() -> None:
    """The parts are shared pieces (core/pagecache.py): on a running site the
    generation they are kept under has started, so the counts are the part's own."""
    pagecache.current_generation()


def agenda(event, speakers: list[User], n: int) -> None:
    AgendaItem.objects.create(
        event=event, order=0, starts_at=at(event, 0), title="Hallo"
    )
    for i in range(n):
        AgendaItem.objects.create(
            event=event,
            order=i + 1,
            starts_at=at(event, 5 + i),
            title=f"Impuls {i}",
            speaker=speakers[i % len(speakers)] if i % 3 else None,
            speaker_name="" if i % 3 else "Gast",
            length=5,
        )


# The event page -----------------------------------------------------------------------


def test_the_event_page_shows_the_agenda_in_order_with_speakers_and_slides(
    client, make_event, accepted, member
):
    event = make_event()
    AgendaItem.objects.place(event, at(event, 0), title="Ankommen")
    accepted.slides_url = "https://example.org/folien"
    accepted.save()
    accepted.schedule(event, at(event, 15))
    AgendaItem.objects.place(
        event, at(event, 30), title="Gastvortrag", speaker_name="Frau Gast", length=15
    )
    html = client.get(event.get_absolute_url()).content.decode()
    positions = [html.index(t) for t in ("Ankommen", accepted.title, "Gastvortrag")]
    assert positions == sorted(positions)
    assert "Mia Muster" in html and "Frau Gast" in html
    assert accepted.get_absolute_url() in html
    assert "https://example.org/folien" in html
    assert "Ich kann nur dienstags." not in html


def test_an_event_without_agenda_shows_no_agenda_heading(client, make_event):
    event = make_event()
    html = client.get(event.get_absolute_url(), headers={"accept-language": "en"})
    assert 'id="agenda-title"' not in html.content.decode()


def test_a_withdrawn_proposal_on_an_old_agenda_is_not_linked(
    client, make_event, make_proposal
):
    event = make_event()
    proposal = make_proposal(status=ProposalStatus.WITHDRAWN)
    AgendaItem.objects.create(
        event=event,
        starts_at=at(event),
        title="Alt",
        speaker=proposal.proposer,
        proposal=proposal,
    )
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Alt" in html and proposal.get_absolute_url() not in html


@pytest.mark.parametrize("n", [3, 30])
def test_the_agenda_adds_at_most_one_query_to_the_event_page(
    client, make_event, member, stranger, third, n
):
    bare, planned = make_event(), make_event()
    agenda(planned, [member, stranger, third], n)
    for who in (None, member):
        if who:
            client.force_login(who)
        without = queries_for(client, bare.get_absolute_url())
        with_agenda = queries_for(client, planned.get_absolute_url())
        assert with_agenda - without <= 1, (who, without, with_agenda)


def test_the_agenda_tag_costs_one_query_however_long_the_agenda(
    make_event, member, stranger, django_assert_num_queries
):
    event = make_event()
    agenda(event, [member, stranger], 30)
    template = Template('{% load sections %}{% sections "event" event %}')
    started_generation()
    with django_assert_num_queries(1):
        html = template.render(Context({"event": event}))
    assert html.count('class="agenda-item') == 31


# The home page ------------------------------------------------------------------------


def test_the_home_page_shows_the_next_evenings_impuls(client, make_event, accepted):
    event = make_event()
    accepted.schedule(event, at(event))
    html = client.get("/").content.decode()
    assert accepted.title in html and "Mia Muster" in html


def test_the_home_page_invites_to_propose_when_nothing_is_planned(client, make_event):
    make_event()
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Propose an Impuls" in html


def test_the_next_impuls_costs_one_query(make_event, django_assert_num_queries):
    event = make_event()
    template = Template('{% load sections %}{% sections "home" event %}')
    started_generation()
    with django_assert_num_queries(1):
        template.render(Context({"event": event}))
    with django_assert_num_queries(0):
        template.render(Context({"event": None}))


# Recap and profile --------------------------------------------------------------------


def test_presented_at_lists_the_talks_with_slides_links(
    make_event, make_proposal, member, django_assert_num_queries
):
    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    proposal = make_proposal(
        status=ProposalStatus.SCHEDULED, slides_url="https://example.org/s.pdf"
    )
    AgendaItem.objects.create(
        event=event,
        starts_at=at(event),
        title=proposal.title,
        speaker=member,
        proposal=proposal,
    )
    AgendaItem.objects.create(event=event, starts_at=at(event, 0), title="Begrüßung")
    template = Template('{% load sections %}{% sections "recap" event %}')
    started_generation()
    with django_assert_num_queries(1):
        html = template.render(Context({"event": event}))
    assert proposal.title in html and "https://example.org/s.pdf" in html
    assert "Begrüßung" not in html


def test_impulse_given_lists_a_members_past_talks_only(
    make_event, member, stranger, django_assert_num_queries
):
    past = make_event(starts_at=timezone.now() - timedelta(days=30))
    future = make_event()
    draft = make_event(starts_at=timezone.now() - timedelta(days=60), status="draft")
    for event, title in (
        (past, "Gehalten"),
        (future, "Kommt noch"),
        (draft, "Entwurf"),
    ):
        AgendaItem.objects.create(
            event=event, starts_at=at(event), title=title, speaker=member
        )
    AgendaItem.objects.create(
        event=past, starts_at=at(past), title="Von jemand anderem", speaker=stranger
    )
    template = Template('{% load sections %}{% sections "profile" profile %}')
    started_generation()
    with django_assert_num_queries(1):
        html = template.render(Context({"profile": member.profile}))
    assert "Gehalten" in html
    for hidden in ("Kommt noch", "Entwurf", "Von jemand anderem"):
        assert hidden not in html


def test_a_talk_counts_as_given_from_its_start_on_the_next_view(
    make_event, member, time_machine
):
    """The evening has started (a moment the page cache knows), the talk starts ten
    minutes later (one it does not): a minute and a half after the last view, well
    within a generation, the profile shows it."""
    event = make_event(starts_at=timezone.now() + timedelta(hours=1))
    AgendaItem.objects.create(
        event=event, starts_at=at(event, 10), title="Gleich dran", speaker=member
    )
    template = Template('{% load sections %}{% sections "profile" profile %}')
    time_machine.move_to(at(event, 9))
    started_generation()
    assert "Gleich dran" not in template.render(Context({"profile": member.profile}))
    time_machine.move_to(at(event, 10) + timedelta(seconds=30))
    assert "Gleich dran" in template.render(Context({"profile": member.profile}))


def test_the_recap_page_shows_what_was_presented(client, make_event, member):
    from events.models import Recap, RecapStatus

    event = make_event(starts_at=timezone.now() - timedelta(days=3))
    AgendaItem.objects.create(
        event=event, starts_at=at(event), title="Kommentare moderieren", speaker=member
    )
    recap = Recap.objects.create(
        event=event,
        title="Rückblick",
        slug="rueckblick",
        status=RecapStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    response = client.get(recap.get_absolute_url())
    assert response.status_code == 200
    assert "Kommentare moderieren" in response.content.decode()


def test_the_profile_page_lists_the_impulse_given(client, make_event, member):
    past = make_event(starts_at=timezone.now() - timedelta(days=30))
    AgendaItem.objects.create(
        event=past, starts_at=at(past), title="Mein Impuls 2026", speaker=member
    )
    client.force_login(member)
    response = client.get(member.profile.get_absolute_url())
    assert response.status_code == 200
    assert "Mein Impuls 2026" in response.content.decode()
