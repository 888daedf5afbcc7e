"""`manage.py check --deploy`: what production needs beyond Django's own checks."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.cache import cache

# Redis policies that make room by evicting keys: every key the site stores has a
# timeout, so the volatile-* policies are as good as allkeys-* here.
EVICTING_POLICIES = (
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
)


def register() -> None:
    checks.register(shared_cache, deploy=True)
    checks.register(bounded_cache, deploy=True)


def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every worker and server must see the same cache: the rate limits count in
    it, and the page cache keeps its generation there."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not backend.endswith(("LocMemCache", "DummyCache")):
        return []
    return [
        checks.Warning(
            "The cache is kept in each process's own memory.",
            hint=(
                "Set CACHE_URL=redis://127.0.0.1:6379/1: with more than one "
                "gunicorn worker, rate limits count per worker and the page cache "
                "stays off."
            ),
            id="somehub.W001",
        )
    ]


def bounded_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Redis must make room when it is full (maxmemory with an evicting policy):
    cached pages are bounded per generation, but generations come and go."""
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        return []
    hint = (
        "Set a memory limit and an evicting policy in redis.conf, e.g. "
        "'maxmemory 256mb' and 'maxmemory-policy allkeys-lru' (README, "
        "'Running it for real')."
    )
    try:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        config = client.config_get("maxmemory*")
    except Exception as exc:
        return [
            checks.Warning(
                f"Could not read Redis's memory settings ({type(exc).__name__}).",
                hint=hint,
                id="somehub.W002",
            )
        ]
    if int(config.get("maxmemory", 0) or 0) == 0:
        return [
            checks.Warning("Redis has no memory limit.", hint=hint, id="somehub.W003")
        ]
    if config.get("maxmemory-policy") not in EVICTING_POLICIES:
        return [
            checks.Warning(
                f"Redis's maxmemory-policy is {config.get('maxmemory-policy')!r}: "
                "when full it refuses writes instead of evicting old entries.",
                hint=hint,
                id="somehub.W004",
            )
        ]
    return []
