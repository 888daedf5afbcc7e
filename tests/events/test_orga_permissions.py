"""Who may do what: the Orga-Team group, create_organizer, and every organizer URL
tried by a visitor, a member, an organizer and a superuser."""

import io
import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from events.models import ORGA_TEAM, Event, Mailing, RSVPStatus, Series
from events.models.orga import all_orga_team_permissions, orga_team
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga, make_superuser

pytestmark = pytest.mark.django_db


# The group -------------------------------------------------------------------------


def perm_names(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_migration_creates_the_orga_team_with_event_permissions() -> None:
    # Transactional tests elsewhere flush migration-made rows, so run the
    # migration's function again here, on the historical models it was written for.
    from importlib import import_module
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = import_module("events.migrations.0004_orga_team_group")
    state = MigrationLoader(connection).project_state(
        ("events", "0004_orga_team_group")
    )
    Group.objects.filter(name=ORGA_TEAM).delete()
    migration.create_orga_team(state.apps, SimpleNamespace(connection=connection))
    group = Group.objects.get(name=ORGA_TEAM)
    names = perm_names(group)
    assert {"events.change_event", "events.change_rsvp", "admin.view_logentry"} <= names
    # The old messages' model became Mailing (events 0016, which grants its rights).
    replaced = {"events.add_attendeemessage", "events.view_attendeemessage"}
    assert names - replaced <= set(all_orga_team_permissions())


def test_orga_team_holds_exactly_what_organizers_need() -> None:
    names = perm_names(orga_team())
    assert names == set(all_orga_team_permissions())
    # Nothing that would let an organizer make themselves more powerful.
    assert not {n for n in names if n.startswith("auth.")}
    assert "accounts.change_user" not in names
    assert "accounts.delete_user" not in names
    assert "events.delete_rsvp" not in names


def test_orga_team_keeps_permissions_granted_later() -> None:
    group = orga_team()
    extra = group.permissions.model.objects.get(codename="delete_rsvp")
    group.permissions.add(extra)
    assert "events.delete_rsvp" in perm_names(orga_team())


def test_organizer_is_staff_in_the_group_but_no_superuser() -> None:
    orga = make_orga()
    assert orga.is_staff and not orga.is_superuser
    assert orga.groups.filter(name=ORGA_TEAM).exists()
    orga = User.objects.get(pk=orga.pk)
    assert orga.has_perm("events.change_event")
    assert orga.has_perm("events.add_mailing")
    assert not orga.has_perm("accounts.change_user")


# create_organizer -----------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_organizer", *args, stdout=out)
    return out.getvalue()


def test_create_organizer_creates_a_new_account_without_password() -> None:
    output = run("Neu@Example.org", "--name", "Nora Neu")
    user = User.objects.get(email__iexact="neu@example.org")
    assert "Created the account" in output and "is an organizer" in output
    assert user.is_staff and not user.has_usable_password()
    assert user.groups.filter(name=ORGA_TEAM).exists()
    assert user.profile.display_name == "Nora Neu"


def test_create_organizer_promotes_a_member_and_is_safe_to_run_again(member) -> None:
    output = run("MIA@example.org")
    member.refresh_from_db()
    assert "Created" not in output
    assert "staff" in output and ORGA_TEAM in output
    assert member.is_staff and member.check_password("correct horse")
    assert User.objects.count() == 1
    again = run("mia@example.org")
    assert "already an organizer; nothing changed" in again
    assert member.groups.count() == 1


def test_create_organizer_rejects_a_non_address() -> None:
    with pytest.raises(CommandError):
        run("not-an-address")
    assert not User.objects.exists()


def test_seed_demo_adds_the_documented_demo_organizer_in_debug(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    orga = User.objects.get(email="orga@somehub.example")
    assert orga.is_staff and not orga.is_superuser
    assert orga.groups.filter(name=ORGA_TEAM).exists()
    assert Client().login(email="orga@somehub.example", password="stammtisch-orga-2016")
    series = Series.objects.get()
    assert series.recurrence_text  # the demo series repeats monthly


def test_seed_demo_never_sets_a_known_password_outside_debug(settings) -> None:
    settings.DEBUG = False
    call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.filter(email="orga@somehub.example").exists()


# The matrix -----------------------------------------------------------------------


@pytest.fixture
def event(make_event, member) -> Event:
    event = make_event(title="Stammtisch mit Ümläuten")
    answer(event, member)
    return event


def orga_urls(event: Event) -> dict[str, str]:
    return {
        "dashboard": reverse("events:orga-dashboard"),
        "checkin": reverse("events:checkin", args=[event.slug]),
        "checkin search": reverse("events:checkin", args=[event.slug]) + "?q=mia",
        "message": reverse("events:mailing-compose", args=[uuid.uuid4()]),
        "sent messages": reverse("events:mailing-list"),
        "csv": reverse("events:orga-attendees-csv", args=[event.slug]),
    }


def admin_urls(event: Event) -> dict[str, str]:
    series = Series.objects.create(name="Reihe", slug="reihe")
    return {
        "admin index": reverse("admin:index"),
        "event list": reverse("admin:events_event_changelist"),
        "event list upcoming": reverse("admin:events_event_changelist")
        + "?when=upcoming",
        "event add": reverse("admin:events_event_add"),
        "event change": reverse("admin:events_event_change", args=[event.pk]),
        "series list": reverse("admin:events_series_changelist"),
        "series change": reverse("admin:events_series_change", args=[series.pk]),
        "messages": reverse("admin:events_mailing_changelist"),
        "log": reverse("admin:admin_logentry_changelist"),
        "venues": reverse("admin:events_venue_changelist"),
    }


def who(name: str) -> Callable[[], User | None]:
    return {
        "anonymous": lambda: None,
        "member": lambda: User.objects.get(email="mia@example.org"),
        "organizer": lambda: make_orga(),
        "superuser": lambda: make_superuser(),
    }[name]


EXPECTED_ORGA = {
    "anonymous": "login",
    "member": 403,
    "organizer": 200,
    "superuser": 200,
}
# The admin sends anyone who is not staff to its own login page.
EXPECTED_ADMIN = {
    "anonymous": "admin login",
    "member": "admin login",
    "organizer": 200,
    "superuser": 200,
}


def check(client: Client, url: str, expected: int | str) -> None:
    response = client.get(url)
    if expected == "login":
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    elif expected == "admin login":
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    else:
        assert response.status_code == expected, (url, response.status_code)


@pytest.mark.parametrize("role", ["anonymous", "member", "organizer", "superuser"])
def test_permission_matrix_of_organizer_pages(client, event, role) -> None:
    user = who(role)()
    if user is not None:
        client.force_login(user)
    for url in orga_urls(event).values():
        check(client, url, EXPECTED_ORGA[role])


@pytest.mark.parametrize("role", ["anonymous", "member", "organizer", "superuser"])
def test_permission_matrix_of_admin_pages(client, event, role) -> None:
    user = who(role)()
    if user is not None:
        client.force_login(user)
    for url in admin_urls(event).values():
        check(client, url, EXPECTED_ADMIN[role])


def test_checkin_tonight_sends_organizers_to_the_next_evening(client, event) -> None:
    url = reverse("events:checkin-tonight")
    check(client, url, "login")
    client.force_login(User.objects.get(email="mia@example.org"))
    assert client.get(url).status_code == 403
    client.force_login(make_orga())
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("events:checkin", args=[event.slug])


def test_checkin_tonight_without_any_date_goes_to_the_dashboard(client, db) -> None:
    client.force_login(make_orga())
    response = client.get(reverse("events:checkin-tonight"))
    assert response["Location"] == reverse("events:orga-dashboard")


def test_member_guessing_urls_learns_nothing(client, event, member) -> None:
    client.force_login(member)
    for slug in [event.slug, "does-not-exist"]:
        for name in [
            "events:checkin",
            "events:orga-attendees-csv",
            "events:orga-message",
        ]:
            response = client.get(reverse(name, args=[slug]))
            # Same answer whether the event exists or not, and no attendee data.
            assert response.status_code == 403
            assert b"mia@example.org" not in response.content


def test_organizer_gets_404_for_a_missing_event(client, db) -> None:
    client.force_login(make_orga())
    for name in ["events:checkin", "events:orga-attendees-csv", "events:orga-message"]:
        assert client.get(reverse(name, args=["nope"])).status_code == 404


def test_member_cannot_check_in_or_write_by_posting(client, event, member) -> None:
    rsvp = event.rsvps.get()
    client.force_login(member)
    toggle = reverse("events:checkin-toggle", args=[event.slug, rsvp.pk])
    assert client.post(toggle, {"here": "1"}).status_code == 403
    walk_in = reverse("events:checkin-walk-in", args=[event.slug])
    assert client.post(walk_in, {"member": member.pk}).status_code == 403
    message = reverse("events:mailing-compose", args=[uuid.uuid4()])
    data = {
        "segment": "everyone",
        "subject": "Hi",
        "body": "Spam",
        "action": "send",
        "count": "1",
    }
    assert client.post(message, data).status_code == 403
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is None
    assert not Mailing.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "organizer"])
def test_post_only_urls_refuse_get(client, event, role) -> None:
    if role == "organizer":
        client.force_login(make_orga())
    rsvp = event.rsvps.get()
    for url in [
        reverse("events:checkin-toggle", args=[event.slug, rsvp.pk]),
        reverse("events:checkin-walk-in", args=[event.slug]),
    ]:
        assert client.get(url).status_code == 405


def test_read_only_pages_refuse_post(client, event) -> None:
    client.force_login(make_orga())
    for name in ["events:checkin", "events:orga-attendees-csv"]:
        assert client.post(reverse(name, args=[event.slug])).status_code == 405
    assert client.post(reverse("events:orga-dashboard")).status_code == 405


def test_organizer_may_not_delete_a_published_event_but_a_bare_draft(
    client, make_event, member
) -> None:
    client.force_login(make_orga())
    published = make_event()
    answer(published, member, RSVPStatus.WAITING)
    draft = make_event(status="draft")
    delete = "admin:events_event_delete"
    assert client.get(reverse(delete, args=[published.pk])).status_code == 403
    assert client.get(reverse(delete, args=[draft.pk])).status_code == 200
    client.post(reverse(delete, args=[draft.pk]), {"post": "yes"})
    assert not Event.objects.filter(pk=draft.pk).exists()
    assert Event.objects.filter(pk=published.pk).exists()


def test_staff_without_orga_permissions_cannot_use_organizer_pages(
    client, event
) -> None:
    staff = make_user("staff@example.org", is_staff=True)
    client.force_login(staff)
    for url in orga_urls(event).values():
        assert client.get(url).status_code == 403
