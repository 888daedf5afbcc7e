"""A fixed-window counter in the cache, for limits such as "5 comments in 10 minutes".

The cache is shared by every app server (Redis in production), so the limit holds
across processes; with the local-memory cache it holds per process, which is fine
for development.
"""

from django.core.cache import cache


def is_limited(key: str, limit: int) -> bool:
    """True when `key` already used up its `limit` in the current window."""
    return int(cache.get(key, 0)) >= limit


def hit(key: str, window_seconds: int) -> int:
    """Count one use of `key`; the window starts with the first use."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds)
        return 1
