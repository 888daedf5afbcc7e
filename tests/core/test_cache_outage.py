"""Redis going away is not the site going away: pages are served uncached, logins
and sessions keep working from the database, each cache call gives up within about
100 ms, and /healthz says the cache is degraded."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from events.models import Event
from somehub.lib import rediscache
from tests.redis_server import RedisServer, private_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis(tmp_path: Path, settings) -> Iterator[RedisServer]:
    """The site's cache on a Redis of this test's own, to pause and stop."""
    with private_redis(tmp_path) as server:
        settings.CACHES = {
            "default": {
                **settings.CACHES["default"],
                "LOCATION": server.url,
                "KEY_PREFIX": "outage",
            }
        }
        rediscache.health.recovered()
        yield server
        rediscache.health.recovered()


def get(client: Client, url: str, budget: float = 1.0) -> str:
    started = time.monotonic()
    response = client.get(url)
    took = time.monotonic() - started
    assert response.status_code == 200, url
    assert took < budget, f"{url} took {took:.2f} s"
    return response.content.decode()


def test_the_site_works_while_redis_hangs(
    redis: RedisServer, make_event, member: User, django_assert_max_num_queries
) -> None:
    event = make_event(motto="Krisenkommunikation")
    visitor = Client()
    assert "Krisenkommunikation" in get(visitor, event.get_absolute_url())
    with django_assert_max_num_queries(0):
        get(visitor, event.get_absolute_url())  # cached while Redis answers

    redis.pause()
    # The first call waits for the timeout, then the cache is left alone a while.
    assert "Krisenkommunikation" in get(visitor, event.get_absolute_url(), 1.5)
    for _ in range(5):
        # Rendered every time now (no cache), each fast.
        with CaptureQueriesContext(connection) as queries:
            get(visitor, event.get_absolute_url(), 0.5)
        assert len(queries) > 0

    # Logging in and member pages work: sessions live in the database.
    someone = Client()
    response = someone.post(
        reverse("account_login"), {"login": member.email, "password": "correct horse"}
    )
    assert response.status_code == 302
    assert "Mia Muster" in get(someone, reverse("accounts:account"), 0.5)
    response = someone.post(
        reverse("events:rsvp", args=[event.slug]), {"answer": "going"}
    )
    assert response.status_code == 302
    assert "1 von 20 Plätzen belegt" in get(visitor, event.get_absolute_url(), 0.5)

    assert Client().get("/healthz").content == b"ok\ncache: degraded\n"

    redis.resume()
    assert Client().get("/healthz").content == b"ok\n"
    get(visitor, event.get_absolute_url())
    with django_assert_max_num_queries(0):
        get(visitor, event.get_absolute_url())  # cached again


def test_the_site_works_with_redis_stopped(
    redis: RedisServer, make_event, member: User
) -> None:
    event = make_event(motto="Reichweite")
    redis.process.terminate()
    redis.process.wait(timeout=10)
    visitor = Client()
    for url in ("/", event.get_absolute_url(), reverse("events:list")):
        get(visitor, url, 1.5)
    someone = Client()
    someone.force_login(member)
    assert "Reichweite" in get(someone, event.get_absolute_url(), 0.5)
    # Pages made of shared pieces (cards, wish summaries) render them afresh.
    event.rsvp(member)
    for url in ("/", reverse("events:list")):
        assert "Du bist dabei" in get(someone, url, 0.5)
    for url in (reverse("impulses:index"), reverse("impulses:wish-list")):
        get(someone, url, 0.5)
    assert Client().get("/healthz").content == b"ok\ncache: degraded\n"


def test_each_cache_call_gives_up_within_about_100_ms(redis: RedisServer) -> None:
    redis.pause()
    for call in (
        lambda: cache.get("x"),
        lambda: cache.set("x", 1),
        lambda: cache.add("x", 1),
        lambda: cache.delete("x"),
    ):
        rediscache.health.recovered()  # no cool-down: ask Redis every time
        started = time.monotonic()
        call()
        assert time.monotonic() - started < 0.3
    rediscache.health.recovered()
    with pytest.raises(ValueError):
        cache.incr("x")
    assert cache.get("x", "fallback") == "fallback"


def test_a_logout_while_redis_is_away_stays_a_logout(
    redis: RedisServer, member: User, make_event
) -> None:
    """Sessions are in the database alone: no cache copy can bring one back."""
    event = make_event()
    someone = Client()
    someone.force_login(member)
    get(someone, event.get_absolute_url())
    redis.pause()
    someone.post(reverse("account_logout"))
    redis.resume()
    rediscache.health.recovered()
    html = get(someone, event.get_absolute_url())
    assert reverse("account_logout") not in html  # no "log out" button: logged out
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_nothing_is_cached_for_a_page_whose_generation_cannot_be_read(
    redis: RedisServer, make_event
) -> None:
    event = make_event()
    redis.pause()
    get(Client(), event.get_absolute_url(), 1.5)
    redis.resume()
    rediscache.health.recovered()
    assert not list(redis.client().scan_iter("outage:*:page:*"))
    assert Event.objects.filter(pk=event.pk).exists()


def test_clearing_the_cache_leaves_other_sites_keys_alone(redis: RedisServer) -> None:
    other = redis.client()
    other.set("another-site:1:page", b"theirs")
    cache.set("ours", 1)
    cache.clear()
    assert cache.get("ours") is None
    assert other.get("another-site:1:page") == b"theirs"
