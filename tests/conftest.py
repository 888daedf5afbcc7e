"""Shared people, event helpers and the browser set-up for the whole suite."""

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Profile, User
from events.models import Event, EventStatus, Venue

BERLIN = ZoneInfo("Europe/Berlin")

# What query-count budgets add on top of a view's own queries:
# the first page a visitor gets after a write starts a new page-cache generation
# (core/pagecache.py asks when the next evening starts or a recap goes online) ...
GENERATION = 2
# ... and a logged-in member's session is read from the database.
SESSION = 1

# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# The whole suite can run at another date, to find tests that only pass today:
# `pytest --clock 2027-12-31T23:30` (the clock then ticks on from there). CI runs the
# date-sensitive tests at the turn of the year, on 29 February and 1 March of a leap
# year and on both DST change days (Makefile, `test-dates`).
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=None,
        help="Run the suite as if it were this local (Europe/Berlin) time, "
        "e.g. 2028-02-29T10:00.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "frozen(moment): fixtures and the test share this frozen clock "
        "(a datetime, or an ISO string in Europe/Berlin)",
    )
    config.addinivalue_line(
        "markers", "dates: deals with dates; `make test` runs it at several dates too"
    )
    config.addinivalue_line(
        "markers",
        "real_clock: starts other processes (gunicorn, the mail worker), which keep "
        "the machine's clock; skipped under --clock",
    )
    value = config.getoption("--clock")
    if value:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BERLIN)
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def empty_the_cache() -> None:
    """Remove this run's keys (tests/settings.py gives each run its own prefix, and
    clear() deletes only those): pages and throttles start afresh in every test."""
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    empty_the_cache()
    yield
    empty_the_cache()


@pytest.fixture
def uncached(settings: Any) -> None:
    """The page cache off: for tests that measure what rendering a page costs."""
    settings.PAGE_CACHE = False


# The modules whose tests deal with dates and times (RSVP windows, reminders, the
# calendar, recurrence, the dashboard's months, edit windows): `make test` runs them
# again at the turn of the year, on 29 February and 1 March of a leap year and on
# both DST change days (`-m dates`, Makefile `test-dates`).
DATE_SENSITIVE = {
    "tests/accounts/test_account_deletion.py",
    "tests/core/test_page_cache.py",
    "tests/events/test_import_ical.py",
    "tests/events/test_rsvp_by_email.py",
    "tests/events/test_calendar.py",
    "tests/events/test_comments.py",
    "tests/events/test_free_seat_link.py",
    "tests/events/test_models.py",
    "tests/events/test_my_events.py",
    "tests/events/test_orga_checkin.py",
    "tests/events/test_orga_dashboard.py",
    "tests/events/test_orga_recurrence.py",
    "tests/events/test_pages.py",
    "tests/events/test_recap_attendance.py",
    "tests/events/test_recaps.py",
    "tests/events/test_reminders.py",
    "tests/events/test_rsvp.py",
    "tests/events/test_rsvp_emails.py",
    "tests/events/test_rsvp_views.py",
    "tests/events/test_sharing.py",
    "tests/impulses/test_models.py",
    "tests/impulses/test_proposal_views.py",
}


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    root = config.rootpath
    for item in items:
        if item.path.relative_to(root).as_posix() in DATE_SENSITIVE:
            item.add_marker(pytest.mark.dates)
    if not config.getoption("--clock"):
        return
    skip = pytest.mark.skip(reason="another process would not share the --clock")
    for item in items:
        if item.get_closest_marker("real_clock"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _frozen_clock(request: pytest.FixtureRequest) -> Any:
    """`@pytest.mark.frozen(moment)`: the clock stands still at `moment` for the
    test *and its fixtures*, so data made by a fixture and the test's "now" agree
    whatever the real date is (autouse fixtures run before the others)."""
    marker = request.node.get_closest_marker("frozen")
    if marker is None:
        yield None
        return
    moment = marker.args[0]
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BERLIN)
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        # scripts/test-setup.sh (`make test`) installs it there when it is missing.
        "executable_path": os.environ.get("SOMEHUB_CHROMIUM", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Browsers ask for German first, as most of the community's do."""
    return {**browser_context_args, "locale": "de-DE"}


def make_user(
    email: str, *, name: str = "", handle: str = "", verified: bool = True, **extra: Any
) -> User:
    """A member with a profile; their e-mail address is confirmed unless told not."""
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(email=email, password="correct horse", **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    Profile.objects.create(
        user=user,
        handle=handle or email.split("@")[0].replace(".", "-"),
        display_name=name,
    )
    return user


@pytest.fixture
def member(db: None) -> User:
    return make_user("mia@example.org", name="Mia Muster")


@pytest.fixture
def stranger(db: None) -> User:
    return make_user("sam@example.org", name="Sam Fremd")


@pytest.fixture
def organizer(db: None) -> User:
    from django.contrib.auth.models import Permission

    user = make_user("orga@example.org", name="Olga Orga", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["events", "accounts"])
    )
    return user


@pytest.fixture
def venue(db: None) -> Venue:
    return Venue.objects.create(
        name="La Sall",
        street="Musterstraße 1",
        postcode="30171",
        city="Hannover",
        district="Südstadt",
        latitude="52.365000",
        longitude="9.750000",
    )


@pytest.fixture
def make_event(db: None, venue: Venue) -> Callable[..., Event]:
    counter = iter(range(1, 100000))

    def factory(**overrides: Any) -> Event:
        n = next(counter)
        start = overrides.pop(
            "starts_at",
            timezone.now()
            .astimezone(BERLIN)
            .replace(hour=19, minute=0, second=0, microsecond=0)
            + timedelta(days=7 * n),
        )
        fields: dict[str, Any] = {
            "title": f"#SoMe Stammtisch {n}",
            "motto": "Social Media – was ist das?",
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "venue": venue,
            "status": EventStatus.PUBLISHED,
            "capacity": 20,
        }
        fields.update(overrides)
        return Event.objects.create(**fields)

    return factory


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)
