"""Cached pages for logged-in members: fast, and never stale.

With the page cache on, a member, their permissions, an event and the member's own
RSVP, "My events" and the member directory are kept for a generation of the site's
content, and the page frame (navigation, footer) once per worker. These tests
check that a member's repeat visit costs (almost) no query, and that every change
a member could see, through the site or straight in the database, shows on the
very next request: their RSVP, their waiting place, their confirmed address, their
account being switched off, their profile, their permissions, and who is listed.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, User, Visibility
from accounts.views import PROFILES_PER_PAGE
from events.models import RSVP, EventStatus
from somehub.lib import pagecache
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]

MY_EVENTS = reverse("events:my-events")
DIRECTORY = reverse("accounts:directory")
ORGA = reverse("events:orga-dashboard")
GOING = "You're going"
CONFIRM_FIRST = "Your e-mail address is not confirmed yet"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page(client: Client, url: str, language: str = "en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def status(client: Client, url: str, language: str = "en") -> int:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).status_code


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answer(client: Client, event, value: str = "going") -> None:
    url = reverse("events:rsvp", kwargs={"slug": event.slug})
    assert client.post(url, {"answer": value}).status_code == 302


def without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which are masked afresh on every request."""
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', html)


def rsvp_box(html: str) -> str:
    found = re.search(r'<section class="rsvp-box".*?</section>', html, re.S)
    assert found, "no RSVP box on the page"
    return found.group(0)


def main_nav(html: str) -> str:
    """The header's navigation: the main links and the account menu (or login)."""
    found = re.search(r'<header class="site-header">.*?</header>', html, re.S)
    assert found, "no main navigation on the page"
    return found.group(0)


def nav_link(html: str, url: str) -> str:
    """The navigation's <a> tag (its opening tag) for a URL."""
    found = re.search(rf'<a href="{re.escape(url)}"[^>]*>', main_nav(html))
    assert found, f"no link to {url} in the navigation"
    return found.group(0)


def directory_list(html: str) -> str:
    """The member count, the cards and the page links: what members share."""
    start = html.index('<p class="result-count"')
    return html[start : html.index("</main>")]


def directory_names(html: str) -> list[str]:
    return re.findall(r'<a class="member-name" href="[^"]*">([^<]*)</a>', html)


def pagination_links(html: str) -> list[str]:
    return re.findall(r'<a rel="(?:prev|next)" href="([^"]*)"', html)


def make_members(count: int) -> list[User]:
    """Listed members (confirmed address, visible to members), A to Z by name."""
    return [
        make_user(f"person{n:02}@example.org", name=f"Person {n:02}")
        for n in range(count)
    ]


def group_with(codename: str, app_label: str) -> Group:
    group = Group.objects.create(name=f"can {codename}")
    group.permissions.add(
        Permission.objects.get(codename=codename, content_type__app_label=app_label)
    )
    return group


# Served from the cache


def test_members_second_visit_to_an_event_costs_no_query(
    make_event, member, django_assert_max_num_queries, django_assert_num_queries
) -> None:
    event = make_event()
    event.rsvp(member)
    client = logged_in(member)  # logging in writes last_login: a new generation
    pagecache.current_generation()  # ... which the site has started by now
    # Nothing cached yet: the member, the event (with its recap), the member's
    # RSVP, and what every member shares below it (the agenda, who is coming).
    with django_assert_max_num_queries(5):
        first = page(client, event.get_absolute_url())
    with django_assert_num_queries(0):
        second = page(client, event.get_absolute_url())
    assert GOING in rsvp_box(second)
    assert rsvp_box(without_tokens(second)) == rsvp_box(without_tokens(first))
    assert without_tokens(second) == without_tokens(first)


def test_members_first_visit_to_an_event_others_have_seen_costs_two_queries(
    make_event, member, stranger, django_assert_max_num_queries
) -> None:
    event = make_event()
    event.rsvp(member)
    # Both log in first: a login writes last_login, which starts a new generation.
    first, other = logged_in(stranger), logged_in(member)
    page(first, event.get_absolute_url())
    # The member and their own RSVP: the event and the rest are shared.
    with django_assert_max_num_queries(2):
        html = page(other, event.get_absolute_url())
    assert GOING in rsvp_box(html)
    with django_assert_max_num_queries(2):
        html = page(first, event.get_absolute_url())
    assert GOING not in rsvp_box(html)
    assert "I'm coming" in rsvp_box(html)


def test_my_events_second_visit_costs_no_query(
    make_event, member, django_assert_num_queries
) -> None:
    event = make_event(title="Stammtisch im Mai")
    event.rsvp(member)
    client = logged_in(member)
    first = page(client, MY_EVENTS)
    with django_assert_num_queries(0):
        second = page(client, MY_EVENTS)
    assert "Stammtisch im Mai" in second
    assert without_tokens(second) == without_tokens(first)


def test_my_events_are_each_members_own(make_event, member, stranger) -> None:
    event = make_event(title="Stammtisch im Mai")
    event.rsvp(member)
    assert "Stammtisch im Mai" in page(logged_in(member), MY_EVENTS)
    assert "Stammtisch im Mai" not in page(logged_in(stranger), MY_EVENTS)


# RSVPs show at once


def test_rsvp_and_cancelling_show_at_once(make_event, member) -> None:
    event = make_event(title="Stammtisch im Mai", capacity=20)
    client = logged_in(member)
    before = page(client, event.get_absolute_url())
    assert "I'm coming" in rsvp_box(before)
    assert "0 of 20 places taken" in before
    assert "Stammtisch im Mai" not in page(client, MY_EVENTS)

    answer(client, event, "going")
    html = page(client, event.get_absolute_url())
    assert GOING in rsvp_box(html)
    assert "Cancel my RSVP" in rsvp_box(html)
    assert "1 of 20 places taken" in html
    mine = page(client, MY_EVENTS)
    assert "Stammtisch im Mai" in mine
    assert GOING in mine

    answer(client, event, "not_going")
    html = page(client, event.get_absolute_url())
    assert GOING not in rsvp_box(html)
    assert "You said you can't come" in rsvp_box(html)
    assert "I'm coming after all" in rsvp_box(html)
    assert "0 of 20 places taken" in html
    mine = page(client, MY_EVENTS)
    assert GOING not in mine
    assert "You can't come" in mine


def test_rsvp_shows_in_german_too(make_event, member) -> None:
    event = make_event()
    client = logged_in(member)
    assert "Ich komme" in rsvp_box(page(client, event.get_absolute_url(), "de"))
    answer(client, event, "going")
    assert "Du bist dabei" in rsvp_box(page(client, event.get_absolute_url(), "de"))
    assert "Du bist dabei" in page(client, MY_EVENTS, "de")


def test_waiting_position_moves_up_at_once(make_event, member, stranger) -> None:
    event = make_event(title="Stammtisch im Mai", capacity=1)
    seated = make_user("seated@example.org", name="Sitz Platz")
    event.rsvp(seated)
    ahead = logged_in(stranger)
    answer(ahead, event, "going")
    client = logged_in(member)
    answer(client, event, "going")
    html = page(client, event.get_absolute_url())
    assert "You are number 2 on the waiting list" in rsvp_box(html)
    assert "Waiting list, number 2" in page(client, MY_EVENTS)

    answer(ahead, event, "not_going")  # the one ahead leaves the waiting list
    html = page(client, event.get_absolute_url())
    assert "You are number 1 on the waiting list" in rsvp_box(html)
    assert "Waiting list, number 1" in page(client, MY_EVENTS)

    RSVP.objects.get(event=event, member=seated).cancel()  # a seat is free
    html = page(client, event.get_absolute_url())
    assert GOING in rsvp_box(html)
    assert "waiting list" not in rsvp_box(html)
    mine = page(client, MY_EVENTS)
    assert GOING in mine
    assert "Waiting list" not in mine


def test_rsvp_changed_by_the_orga_team_in_the_database_shows_at_once(
    make_event, member
) -> None:
    event = make_event(title="Stammtisch im Mai")
    event.rsvp(member)
    client = logged_in(member)
    assert GOING in rsvp_box(page(client, event.get_absolute_url()))
    assert GOING in page(client, MY_EVENTS)
    RSVP.objects.filter(event=event, member=member).delete()
    assert GOING not in rsvp_box(page(client, event.get_absolute_url()))
    assert "Stammtisch im Mai" not in page(client, MY_EVENTS)


def test_cancelled_event_shows_in_my_events_at_once(make_event, member) -> None:
    event = make_event(title="Stammtisch im Mai")
    event.rsvp(member)
    client = logged_in(member)
    assert "pill-cancelled" not in page(client, MY_EVENTS)
    event.cancel("Die Kneipe hat zu.")
    assert "pill-cancelled" in page(client, MY_EVENTS)
    assert "This Stammtisch has been cancelled." in page(
        client, event.get_absolute_url()
    )


def test_rsvps_opening_show_to_members_without_any_write(make_event, member) -> None:
    opens = timezone.now() + timedelta(hours=2)
    event = make_event(rsvp_opens_at=opens)
    client = logged_in(member)
    assert "RSVPs open on" in rsvp_box(page(client, event.get_absolute_url()))
    assert "RSVPs open on" in rsvp_box(page(client, event.get_absolute_url()))
    with time_machine.travel(opens + timedelta(seconds=1)):
        html = rsvp_box(page(client, event.get_absolute_url()))
        assert "RSVPs open on" not in html
        assert "I'm coming" in html


def test_evening_moves_to_past_evenings_without_any_write(make_event, member) -> None:
    starts = timezone.now() + timedelta(hours=1)
    event = make_event(
        title="Stammtisch heute", starts_at=starts, ends_at=starts + timedelta(hours=3)
    )
    event.rsvp(member)
    client = logged_in(member)

    def past_evenings(html: str) -> str:
        return html[html.index('id="past-title"') :]

    assert "Stammtisch heute" not in past_evenings(page(client, MY_EVENTS))
    assert GOING in rsvp_box(page(client, event.get_absolute_url()))
    with time_machine.travel(event.ends_at + timedelta(minutes=1)):
        assert "Stammtisch heute" in past_evenings(page(client, MY_EVENTS))
        html = page(client, event.get_absolute_url())
        assert "This Stammtisch is over." in html
        assert 'class="rsvp-box"' not in html


# The member's e-mail address


@pytest.mark.parametrize("how", ["update", "save"])
def test_confirmed_address_shows_the_rsvp_button_at_once(make_event, how) -> None:
    event = make_event()
    newbie = make_user("neu@example.org", name="Nina Neu", verified=False)
    client = logged_in(newbie)
    html = page(client, event.get_absolute_url())
    assert CONFIRM_FIRST in rsvp_box(html)
    assert 'value="going"' not in rsvp_box(html)  # a code first, then the RSVP
    assert status(client, DIRECTORY) == 403
    if how == "update":
        EmailAddress.objects.filter(user=newbie).update(verified=True)
    else:
        address = EmailAddress.objects.get(user=newbie)
        address.verified = True
        address.save()
    html = page(client, event.get_absolute_url())
    assert CONFIRM_FIRST not in rsvp_box(html)
    assert "I'm coming" in rsvp_box(html)
    assert "Nina Neu" in page(client, DIRECTORY)
    answer(client, event, "going")
    assert GOING in rsvp_box(page(client, event.get_absolute_url()))


def test_unconfirmed_address_shows_the_notice_again_at_once(make_event, member) -> None:
    event = make_event()
    client = logged_in(member)
    assert "I'm coming" in rsvp_box(page(client, event.get_absolute_url()))
    assert status(client, DIRECTORY) == 200
    EmailAddress.objects.filter(user=member).update(verified=False)
    assert CONFIRM_FIRST in rsvp_box(page(client, event.get_absolute_url()))
    assert status(client, DIRECTORY) == 403


# The member's account and profile


def test_deactivated_member_is_logged_out_at_once(make_event, member) -> None:
    event = make_event()
    client = logged_in(member)
    page(client, MY_EVENTS)
    page(client, event.get_absolute_url())
    User.objects.filter(pk=member.pk).update(is_active=False)
    response = client.get(MY_EVENTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    html = page(client, event.get_absolute_url())
    assert 'name="email"' in rsvp_box(html)  # the visitors' box again
    assert MY_EVENTS not in main_nav(html)


def test_deleted_member_is_logged_out_at_once(member) -> None:
    client = logged_in(member)
    page(client, MY_EVENTS)
    User.objects.filter(pk=member.pk).delete()
    response = client.get(MY_EVENTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_changed_password_logs_out_other_sessions_at_once(member) -> None:
    client = logged_in(member)
    page(client, MY_EVENTS)
    member.set_password("a new horse battery")
    member.save()
    assert client.get(MY_EVENTS).status_code == 302


def test_renamed_member_shows_in_the_directory_at_once(member, stranger) -> None:
    own, other = logged_in(member), logged_in(stranger)
    assert "Mia Muster" in directory_names(page(own, DIRECTORY))
    assert "Mia Muster" in directory_names(page(other, DIRECTORY))
    Profile.objects.filter(user=member).update(display_name="Mia Neuname")
    for client in (own, other):
        names = directory_names(page(client, DIRECTORY))
        assert "Mia Neuname" in names
        assert "Mia Muster" not in names


def test_renamed_member_shows_on_their_account_page_at_once(member) -> None:
    client = logged_in(member)
    assert "Mia Muster" in page(client, reverse("accounts:account"))
    Profile.objects.filter(user=member).update(display_name="Mia Neuname")
    html = page(client, reverse("accounts:account"))
    assert "Mia Neuname" in html
    assert "Mia Muster" not in html


def test_own_profile_change_shows_where_the_logged_in_member_is_used(member) -> None:
    """The wish form reads the challenge from the logged-in member's profile."""
    client = logged_in(member)
    wish_form = reverse("impulses:wish-create")
    assert "Turn my challenge into a wish" not in page(client, wish_form)
    Profile.objects.filter(user=member).update(challenge="Reels in 60 Sekunden")
    html = page(client, wish_form)
    assert "Reels in 60 Sekunden" in html
    assert "Turn my challenge into a wish" in html


def test_new_calendar_link_shows_in_my_events_at_once(member) -> None:
    client = logged_in(member)
    html = page(client, MY_EVENTS)
    assert "Create my calendar address" in html
    client.post(reverse("events:calendar-link"))
    token = Profile.objects.get(user=member).calendar_token
    html = page(client, MY_EVENTS)
    assert token and token in html
    client.post(reverse("events:calendar-link"))  # renew: the old one stops working
    renewed = Profile.objects.get(user=member).calendar_token
    html = page(client, MY_EVENTS)
    assert renewed in html
    assert token not in html


def test_member_made_staff_sees_the_orga_link_at_once(member) -> None:
    client = logged_in(member)
    assert ORGA not in main_nav(page(client, MY_EVENTS))
    User.objects.filter(pk=member.pk).update(is_staff=True)
    assert ORGA in main_nav(page(client, MY_EVENTS))
    User.objects.filter(pk=member.pk).update(is_staff=False)
    assert ORGA not in main_nav(page(client, MY_EVENTS))


# Permissions


def test_permission_through_a_group_counts_at_once(make_event, member) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    client = logged_in(member)
    assert status(client, draft.get_absolute_url()) == 404
    group = group_with("view_event", "events")
    member.groups.add(group)
    html = page(client, draft.get_absolute_url())
    assert "Draft: only the Orga-Team sees this page." in html
    member.groups.remove(group)
    assert status(client, draft.get_absolute_url()) == 404


def test_permission_taken_from_the_group_counts_at_once(make_event, member) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    group = group_with("view_event", "events")
    member.groups.add(group)
    client = logged_in(member)
    assert status(client, draft.get_absolute_url()) == 200
    group.permissions.clear()
    assert status(client, draft.get_absolute_url()) == 404
    group.permissions.add(Permission.objects.get(codename="view_event"))
    assert status(client, draft.get_absolute_url()) == 200
    group.delete()
    assert status(client, draft.get_absolute_url()) == 404


def test_own_permission_counts_at_once(make_event, member) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    client = logged_in(member)
    assert status(client, draft.get_absolute_url()) == 404
    permission = Permission.objects.get(codename="view_event")
    member.user_permissions.add(permission)
    assert status(client, draft.get_absolute_url()) == 200
    member.user_permissions.remove(permission)
    assert status(client, draft.get_absolute_url()) == 404


def test_permissions_are_each_members_own(make_event, member, stranger) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    member.groups.add(group_with("view_event", "events"))
    allowed, other = logged_in(member), logged_in(stranger)
    assert status(allowed, draft.get_absolute_url()) == 200
    assert status(other, draft.get_absolute_url()) == 404
    assert status(allowed, draft.get_absolute_url()) == 200


def test_published_draft_shows_to_members_at_once(make_event, member) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    client = logged_in(member)
    assert status(client, draft.get_absolute_url()) == 404
    draft.status = EventStatus.PUBLISHED
    draft.save()
    assert status(client, draft.get_absolute_url()) == 200


# The member directory


def test_second_members_directory_visit_costs_few_queries(
    member, stranger, django_assert_max_num_queries
) -> None:
    make_members(PROFILES_PER_PAGE + 6)
    # Both log in first: a login writes last_login, which starts a new generation.
    own, other = logged_in(member), logged_in(stranger)
    first = page(own, DIRECTORY)
    # The member and their confirmed address: the list comes from the cache.
    with django_assert_max_num_queries(2):
        second = page(other, DIRECTORY)
    assert directory_list(second) == directory_list(first)
    assert len(directory_names(second)) == PROFILES_PER_PAGE
    with django_assert_max_num_queries(2):
        again = page(other, DIRECTORY)
    assert directory_list(again) == directory_list(first)


def test_second_page_of_the_directory_is_shared_too(
    member, stranger, django_assert_max_num_queries
) -> None:
    make_members(PROFILES_PER_PAGE + 6)
    url = f"{DIRECTORY}?page=2"
    own, other = logged_in(member), logged_in(stranger)
    first = page(own, url)
    with django_assert_max_num_queries(2):
        second = page(other, url)
    assert directory_list(second) == directory_list(first)
    assert len(directory_names(second)) == 8  # 30 + Mia and Sam, 24 on page 1
    assert directory_names(second) != directory_names(page(own, DIRECTORY))


def test_newly_listed_member_shows_at_once(member, stranger) -> None:
    client = logged_in(member)
    assert "Nora Neu" not in directory_names(page(client, DIRECTORY))
    newbie = make_user("nora@example.org", name="Nora Neu", verified=False)
    assert "Nora Neu" not in directory_names(page(client, DIRECTORY))
    EmailAddress.objects.filter(user=newbie).update(verified=True)
    assert "Nora Neu" in directory_names(page(client, DIRECTORY))
    assert "Nora Neu" in directory_names(page(logged_in(stranger), DIRECTORY))
    User.objects.filter(pk=newbie.pk).update(is_active=False)
    assert "Nora Neu" not in directory_names(page(client, DIRECTORY))


def test_member_count_and_pages_follow_new_members_at_once(member) -> None:
    make_members(PROFILES_PER_PAGE - 1)  # with Mia: exactly one page
    client = logged_in(member)
    html = page(client, DIRECTORY)
    assert f"{PROFILES_PER_PAGE} members" in html
    assert pagination_links(html) == []
    assert status(client, f"{DIRECTORY}?page=2") == 404
    make_user("zoe@example.org", name="Zoe Zuletzt")
    html = page(client, DIRECTORY)
    assert f"{PROFILES_PER_PAGE + 1} members" in html
    assert pagination_links(html) == ["?page=2"]
    assert directory_names(page(client, f"{DIRECTORY}?page=2")) == ["Zoe Zuletzt"]


@pytest.mark.parametrize("orga_first", [True, False])
def test_organizers_only_profile_never_reaches_members(
    member, organizer, orga_first
) -> None:
    hidden = make_user("otto@example.org", name="Otto Orgaonly")
    Profile.objects.filter(user=hidden).update(visibility=Visibility.ORGANIZERS)
    orga, other = logged_in(organizer), logged_in(member)
    visits = [(orga, True), (other, False)]
    for client, sees in visits if orga_first else reversed(visits):
        assert ("Otto Orgaonly" in directory_names(page(client, DIRECTORY))) is sees
    # ... and again, now that both are cached.
    for client, sees in visits:
        assert ("Otto Orgaonly" in directory_names(page(client, DIRECTORY))) is sees
    assert "3 members" in page(orga, DIRECTORY)
    assert "2 members" in page(other, DIRECTORY)


@pytest.mark.parametrize("owner_first", [True, False])
def test_member_hiding_their_own_profile_sees_it_alone(
    member, stranger, owner_first
) -> None:
    own, other = logged_in(member), logged_in(stranger)
    assert "Mia Muster" in directory_names(page(own, DIRECTORY))
    Profile.objects.filter(user=member).update(visibility=Visibility.ORGANIZERS)
    visits = [(own, True), (other, False)]
    for client, sees in visits if owner_first else reversed(visits):
        assert ("Mia Muster" in directory_names(page(client, DIRECTORY))) is sees
    for client, sees in visits:
        assert ("Mia Muster" in directory_names(page(client, DIRECTORY))) is sees


@pytest.mark.parametrize("holder_first", [True, False])
def test_member_allowed_to_see_hidden_profiles_does_not_share_them(
    member, stranger, holder_first
) -> None:
    """A member (not staff) given the permission to see hidden profiles sees more
    than others: their directory must not be the one every member is served."""
    hidden = make_user("otto@example.org", name="Otto Orgaonly")
    Profile.objects.filter(user=hidden).update(visibility=Visibility.ORGANIZERS)
    stranger.groups.add(group_with("view_hidden_profile", "accounts"))
    holder, other = logged_in(stranger), logged_in(member)
    visits = [(holder, True), (other, False)]
    for client, sees in visits if holder_first else reversed(visits):
        assert ("Otto Orgaonly" in directory_names(page(client, DIRECTORY))) is sees


@pytest.mark.parametrize(
    "extra",
    ["utm_source=mastodon", "field=astrology", "utm_source=x&page=1", "Field=coaching"],
)
def test_extra_query_parameters_do_not_poison_the_shared_directory(
    member, stranger, extra
) -> None:
    make_members(PROFILES_PER_PAGE + 6)
    odd = page(logged_in(member), f"{DIRECTORY}?{extra}")
    assert len(directory_names(odd)) == PROFILES_PER_PAGE
    assert pagination_links(odd)  # they keep the visitor's own parameters
    for client in (logged_in(stranger), logged_in(member)):
        html = page(client, DIRECTORY)
        assert pagination_links(html) == ["?page=2"]
        assert "astrology" not in html
        assert "utm_source" not in html
        assert 'class="errorlist"' not in html


def test_filtered_directory_is_cached_apart(member, stranger) -> None:
    Profile.objects.filter(user=member).update(field="coaching")
    coaching = f"{DIRECTORY}?field=coaching"
    assert directory_names(page(logged_in(stranger), coaching)) == ["Mia Muster"]
    everybody = directory_names(page(logged_in(stranger), DIRECTORY))
    assert sorted(everybody) == ["Mia Muster", "Sam Fremd"]
    assert directory_names(page(logged_in(member), coaching)) == ["Mia Muster"]


def test_directory_in_german_and_english_is_cached_apart(member, stranger) -> None:
    assert "2 Mitglieder" in page(logged_in(member), DIRECTORY, "de")
    assert "2 members" in page(logged_in(stranger), DIRECTORY, "en")
    assert "2 Mitglieder" in page(logged_in(stranger), DIRECTORY, "de")


# The page frame


@pytest.mark.parametrize("url", ["/", MY_EVENTS])
def test_german_and_english_navigation_do_not_mix(member, url) -> None:
    client = logged_in(member)
    german = main_nav(page(client, url, "de"))
    assert "Meine Termine" in german and "My events" not in german
    english = main_nav(page(client, url, "en"))
    assert "My events" in english and "Meine Termine" not in english
    assert "Dates" in english and "Termine<" not in english
    german = main_nav(page(client, url, "de"))
    assert "Meine Termine" in german and "My events" not in german


def test_visitors_navigation_in_both_languages(client) -> None:
    assert "Einloggen" in main_nav(page(client, "/events/", "de"))
    html = main_nav(page(client, "/events/", "en"))
    assert "Log in" in html and "Einloggen" not in html


@pytest.mark.parametrize("orga_first", [True, False])
def test_only_the_orga_team_gets_the_orga_link(member, organizer, orga_first) -> None:
    orga, other = logged_in(organizer), logged_in(member)
    visits = [(orga, True), (other, False)]
    for _ in range(2):
        for client, sees in visits if orga_first else reversed(visits):
            nav = main_nav(page(client, "/events/"))
            assert (ORGA in nav) is sees
            assert ("Orga-Team" in nav) is sees


def test_visitors_never_get_the_members_navigation(member) -> None:
    page(logged_in(member), "/events/")
    nav = main_nav(page(Client(), "/events/"))
    assert MY_EVENTS not in nav
    assert DIRECTORY not in nav
    assert "Log in" in nav
    nav = main_nav(page(logged_in(member), "/events/"))
    assert MY_EVENTS in nav and "Log out" in nav


@pytest.mark.parametrize("my_events_first", [True, False])
def test_current_page_is_marked_in_the_navigation(member, my_events_first) -> None:
    client = logged_in(member)
    urls = [MY_EVENTS, "/events/", DIRECTORY, reverse("accounts:account")]
    pages = {url: page(client, url) for url in urls}
    if not my_events_first:
        pages = {url: page(client, url) for url in reversed(urls)}
    current = 'aria-current="page"'
    assert current in nav_link(pages[MY_EVENTS], MY_EVENTS)
    assert current not in nav_link(pages[MY_EVENTS], "/events/")
    assert current not in nav_link(pages["/events/"], MY_EVENTS)
    assert current in nav_link(pages["/events/"], "/events/")
    assert current in nav_link(pages[DIRECTORY], DIRECTORY)
    assert current not in nav_link(pages[DIRECTORY], MY_EVENTS)
    account = reverse("accounts:account")
    assert "aria-current" in nav_link(pages[account], account)
    assert "aria-current" not in nav_link(pages[MY_EVENTS], account)
    assert main_nav(pages[account]).count("aria-current") == 1


def test_login_link_keeps_each_pages_own_address(client) -> None:
    events = main_nav(page(client, "/events/"))
    archive = main_nav(page(client, reverse("events:archive")))
    assert "?next=/events/" in events
    assert "?next=/events/past/" in archive


def test_each_page_keeps_its_own_canonical_address_and_language_switch(
    make_event, member
) -> None:
    first, second = make_event(), make_event()
    client = logged_in(member)
    for event in (first, second, first):
        html = page(client, event.get_absolute_url())
        url = event.get_absolute_url()
        assert re.search(rf'<link rel="canonical" href="[^"]*{re.escape(url)}">', html)
        assert f'<input type="hidden" name="next" value="{url}">' in html
        other = second if event == first else first
        assert other.get_absolute_url() not in html


def test_logged_out_member_gets_the_visitors_navigation(member) -> None:
    client = logged_in(member)
    assert MY_EVENTS in main_nav(page(client, "/events/"))
    client.post(reverse("account_logout"))
    nav = main_nav(page(client, "/events/"))
    assert MY_EVENTS not in nav
    assert "Log in" in nav


def test_each_member_gets_their_own_logout_form(member, stranger) -> None:
    """The logout form's CSRF token is personal: it is outside the shared frame."""
    first, second = logged_in(member), Client(enforce_csrf_checks=True)
    second.force_login(stranger)
    page(first, "/events/")
    nav = main_nav(page(second, "/events/"))
    token = CSRF_VALUE.search(nav)
    assert token
    response = second.post(
        reverse("account_logout"), {"csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302
    assert second.get(MY_EVENTS).status_code == 302
    assert first.get(MY_EVENTS).status_code == 200


def test_members_forms_work_on_each_of_their_devices(make_event, member) -> None:
    """A member's CSRF token is their device's: no shared part of a page holds it."""
    event = make_event()
    phone, laptop = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    phone.force_login(member)
    laptop.force_login(member)
    for url in (event.get_absolute_url(), MY_EVENTS):
        page(phone, url)
        assert CSRF_VALUE.search(page(laptop, url))
    rsvp = reverse("events:rsvp", kwargs={"slug": event.slug})
    html = page(laptop, event.get_absolute_url())
    token = CSRF_VALUE.search(rsvp_box(html)).group(1)
    response = laptop.post(rsvp, {"answer": "going", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert GOING in rsvp_box(page(phone, event.get_absolute_url()))


def test_members_share_the_archive_and_see_a_new_past_evening_at_once(
    make_event, member, stranger, django_assert_max_num_queries
) -> None:
    start = timezone.now() - timedelta(days=40)
    make_event(
        title="Altes Treffen", starts_at=start, ends_at=start + timedelta(hours=3)
    )
    first, second = Client(), Client()
    first.force_login(member)
    second.force_login(stranger)
    url = reverse("events:archive")
    assert "Altes Treffen" in first.get(url).content.decode()
    with django_assert_max_num_queries(1):  # the second member's own row
        assert "Altes Treffen" in second.get(url).content.decode()
    start = timezone.now() - timedelta(days=10)
    make_event(
        title="Neues Treffen", starts_at=start, ends_at=start + timedelta(hours=3)
    )
    assert "Neues Treffen" in second.get(url).content.decode()
