"""The Orga-Team's to-do list on /orga/ (reports, proposals, waiting lists, drafts,
recaps to write), filled by every app through `orga_to_do`; the mails that tell
the team of new reports and proposals; moving up from the waiting list by hand;
admin actions that say what they did; reported comments marked on the recap."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from events.models import CommentReport, EventStatus, RSVPStatus
from events.todo import ToDo, to_do_list
from impulses.models import Proposal
from tests.conftest import make_user
from tests.events.orga_support import answer, count_queries, make_orga
from tests.events.recap_support import comment, make_recap, past_event

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("events:orga-dashboard")
DE = {"accept-language": "de"}


@pytest.fixture
def orga(db):
    return make_orga()


@pytest.fixture
def reported(make_event, member, stranger):
    recap = make_recap(past_event(make_event), title="So war der Kick-off")
    said = comment(recap, member, "Das war nix.")
    said.report(stranger, "Unfreundlich")
    return said


def sections(html_or_list):
    return {s.title: s.items for s in html_or_list}


def test_the_to_do_list_shows_each_kind_of_work_with_its_link(
    client, orga, reported, make_event, member, stranger
) -> None:
    draft = make_event(title="Entwurf Januar", status=EventStatus.DRAFT)
    full = make_event(title="Voller Abend", capacity=1)
    answer(full, member)
    answer(full, stranger, RSVPStatus.WAITING, waiting_since=timezone.now())
    no_recap = past_event(make_event, days_ago=3, title="Gestern Abend")
    Proposal.objects.create(proposer=member, title="Reels für Kanzleien", abstract="x")
    client.force_login(orga)
    html = client.get(DASHBOARD, headers=DE).content.decode()
    assert "Zu tun" in html
    assert "Gemeldete Kommentare" in html and "Das war nix." in html
    assert reverse("admin:events_comment_change", args=[reported.pk]) in html
    assert "Neue Impuls-Vorschläge" in html and "Reels für Kanzleien" in html
    assert "Wartelisten der nächsten Abende" in html
    assert reverse("events:orga-waiting", args=[full.slug]) in html
    assert "Entwürfe zum Veröffentlichen" in html
    assert reverse("admin:events_event_change", args=[draft.pk]) in html
    assert "Rückblicke zu schreiben" in html
    assert f"{reverse('admin:events_recap_add')}?event={no_recap.pk}" in html


def test_an_empty_to_do_list_says_so(client, orga) -> None:
    client.force_login(orga)
    html = client.get(DASHBOARD, headers=DE).content.decode()
    assert "Gerade nichts zu tun" in html


def test_the_to_do_list_costs_the_same_queries_for_more_work(
    client, orga, make_event, member, stranger, uncached
) -> None:
    client.force_login(orga)
    make_event(status=EventStatus.DRAFT)
    client.get(DASHBOARD)
    few = count_queries(lambda: client.get(DASHBOARD))
    for n in range(4):
        make_event(status=EventStatus.DRAFT)
        recap = make_recap(past_event(make_event, days_ago=60 + n))
        comment(recap, member, f"Kommentar {n}").report(stranger)
        Proposal.objects.create(proposer=member, title=f"Idee {n}", abstract="x")
    many = count_queries(lambda: client.get(DASHBOARD))
    assert many == few


def test_other_apps_add_their_items_through_the_hook(settings, monkeypatch) -> None:
    """An app names a function in `orga_to_do`; its items are grouped and sorted."""
    from django.apps import apps

    config = apps.get_app_config("accounts")
    monkeypatch.setattr(
        config,
        "orga_to_do",
        "tests.events.test_orga_todo.photos_waiting",
        raising=False,
    )
    found = sections(to_do_list())
    assert [i.title for i in found["Photos awaiting approval"]] == ["3 photos"]


def photos_waiting(now):
    return [
        ToDo("Photos awaiting approval", "3 photos", "/admin/", "Approve", order=30)
    ]


def test_the_dashboard_is_for_the_orga_team_only(client, member) -> None:
    assert client.get(DASHBOARD).status_code == 302
    client.force_login(member)
    assert client.get(DASHBOARD).status_code == 403


# Telling the Orga-Team -----------------------------------------------------------


def test_a_new_report_is_mailed_to_organizers_who_want_it(
    make_event, member, stranger, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    olga = make_orga()
    quiet = make_orga("quiet@example.org", "Quirin Still")
    Profile.objects.filter(user=quiet).update(notify_orga_tasks=False)
    recap = make_recap(past_event(make_event), title="Kick-off")
    said = comment(recap, member, "Unsinn!")
    with django_capture_on_commit_callbacks(execute=True):
        said.report(stranger, "Beleidigend")
        said.report(stranger, "Nochmal")  # a second report by the same: no mail
    assert [m.to for m in mailoutbox] == [[olga.email]]
    mail = mailoutbox[0]
    assert "Kick-off" in mail.subject
    assert "Unsinn!" in mail.body
    assert reverse("admin:events_comment_change", args=[said.pk]) in mail.body


def test_a_new_proposal_is_mailed_to_the_orga_team(
    client, stranger, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    olga = make_orga()
    client.force_login(stranger)
    data = {"title": "Active Sourcing", "abstract": "Drei Nachrichten.", "length": "10"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("impulses:proposal-create"), data)
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[olga.email]]
    assert "Active Sourcing" in mailoutbox[0].subject
    assert "Neuer Impuls-Vorschlag" in mailoutbox[0].subject  # olga reads German


def test_only_organizers_see_the_switch_for_these_mails(client, member) -> None:
    url = reverse("accounts:mail-preferences")
    client.force_login(member)
    assert "notify_orga_tasks" not in client.get(url).content.decode()
    orga = make_orga()
    client.force_login(orga)
    html = client.get(url, headers=DE).content.decode()
    assert 'name="notify_orga_tasks"' in html
    assert "Impuls-Vorschläge" in html


def test_the_mail_to_the_orga_team_can_be_stopped_with_one_click(
    client, stranger, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    olga = make_orga("olga@example.org", "Olga Orga")
    client.force_login(stranger)
    data = {"title": "Active Sourcing", "abstract": "Drei Nachrichten.", "length": "10"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("impulses:proposal-create"), data)
    (mail,) = mailoutbox
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail.extra_headers["List-Unsubscribe"].strip("<>")
    client.logout()
    assert client.post(link).status_code == 200
    olga.profile.refresh_from_db()
    assert olga.profile.notify_orga_tasks is False


# Moving up by hand -----------------------------------------------------------------


def test_an_organizer_moves_someone_up_out_of_turn(
    client,
    orga,
    make_event,
    member,
    stranger,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    event = make_event(capacity=1)
    answer(event, member)
    first = answer(
        event,
        make_user("erste@example.org", name="Erste"),
        RSVPStatus.WAITING,
        waiting_since=timezone.now() - timedelta(hours=1),
    )
    second = answer(event, stranger, RSVPStatus.WAITING, waiting_since=timezone.now())
    client.force_login(orga)
    page = client.get(reverse("events:orga-waiting", args=[event.slug]), headers=DE)
    assert "Erste" in page.content.decode() and "Sam Fremd" in page.content.decode()
    url = reverse("events:orga-move-up", args=[event.slug, second.pk])
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers=DE)
    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.is_going and first.is_waiting
    assert [m.to[0] for m in mailoutbox] == [stranger.email]
    assert LogEntry.objects.filter(object_id=str(second.pk)).exists()
    # Again: nothing happens, and it says why.
    again = client.post(url, headers=DE, follow=True)
    assert "nicht mehr auf der Warteliste" in again.content.decode()


def test_moving_up_is_for_the_orga_team_only(client, member, make_event, stranger):
    event = make_event(capacity=1)
    waiting = answer(event, stranger, RSVPStatus.WAITING, waiting_since=timezone.now())
    url = reverse("events:orga-move-up", args=[event.slug, waiting.pk])
    assert client.post(url).status_code == 302  # to the login
    client.force_login(member)
    assert client.post(url).status_code == 403
    waiting.refresh_from_db()
    assert waiting.is_waiting


# Admin actions say what they did ---------------------------------------------------


def admin_action(client, model: str, name: str, objects, **extra):
    url = reverse(f"admin:events_{model}_changelist")
    data = {"action": name, "_selected_action": [o.pk for o in objects], **extra}
    return client.post(url, data, headers=DE, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_comment_actions_confirm_what_they_did(client, orga, reported) -> None:
    client.force_login(orga)
    hid = admin_action(client, "comment", "hide_comments", [reported])
    assert messages_of(hid) == ["1 Kommentar ausgeblendet. 1 Meldung erledigt."]
    assert not CommentReport.objects.filter(resolved_at__isnull=True).exists()
    again = admin_action(client, "comment", "hide_comments", [reported])
    assert messages_of(again) == [
        "Die ausgewählten Kommentare waren schon ausgeblendet."
    ]
    shown = admin_action(client, "comment", "unhide_comments", [reported])
    assert messages_of(shown) == ["1 Kommentar ist wieder sichtbar."]
    none = admin_action(client, "comment", "dismiss_reports", [reported])
    assert "keine offenen Meldungen" in messages_of(none)[0]
    deleted = admin_action(client, "comment", "delete_comments", [reported])
    assert messages_of(deleted) == ["1 Kommentar gelöscht."]


def test_dismissing_reports_says_so_and_logs_it(client, orga, reported) -> None:
    client.force_login(orga)
    response = admin_action(client, "comment", "dismiss_reports", [reported])
    assert messages_of(response) == [
        "1 Meldung verworfen; die Kommentare bleiben sichtbar."
    ]


def test_recap_actions_confirm_what_they_did(client, orga, make_event) -> None:
    recap = make_recap(past_event(make_event), status="draft", published_at=None)
    client.force_login(orga)
    published = admin_action(client, "recap", "publish", [recap])
    assert messages_of(published) == ["1 Rückblick veröffentlicht."]
    closed = admin_action(client, "recap", "close_comments", [recap])
    assert messages_of(closed) == ["Kommentare bei 1 Rückblick geschlossen."]
    opened = admin_action(client, "recap", "open_comments", [recap])
    assert messages_of(opened) == ["Kommentare bei 1 Rückblick geöffnet."]
    log = client.get(reverse("admin:admin_logentry_changelist"), headers=DE)
    html = log.content.decode()
    assert "Kommentare geschlossen" in html and "Closed comments" not in html


def test_hiding_on_the_recap_closes_the_report_with_a_message(
    client, orga, reported
) -> None:
    client.force_login(orga)
    url = reverse("events:comment-hide", args=[reported.recap.slug, reported.pk])
    response = client.post(url, headers=DE, follow=True)
    assert "seine Meldung ist erledigt" in " ".join(messages_of(response))


def test_a_reported_comment_is_marked_for_organizers_only(
    client, orga, reported, member
) -> None:
    url = reported.recap.get_absolute_url()
    client.force_login(orga)
    html = client.get(url, headers=DE).content.decode()
    assert "Gemeldet (1)" in html and "is-reported" in html
    client.force_login(member)
    assert "Gemeldet" not in client.get(url, headers=DE).content.decode()
