"""A fixed-window counter in the cache, for limits such as "5 comments in 10 minutes".

The cache is shared by every app server (Redis in production), so the limit holds
across processes. Windows are aligned to the clock (the window's number is part of
the key), so every server counts into the same window, whatever its own timeouts.
"""

import time

from django.core.cache import cache


def _window_key(key: str, window_seconds: int) -> str:
    return f"{key}:{int(time.time() // window_seconds)}"


def is_limited(key: str, limit: int, window_seconds: int) -> bool:
    """True when `key` already used up its `limit` in the current window."""
    return int(cache.get(_window_key(key, window_seconds), 0)) >= limit


def hit(key: str, window_seconds: int) -> int:
    """Count one use of `key` in the current window."""
    counter = _window_key(key, window_seconds)
    cache.add(counter, 0, timeout=window_seconds)
    try:
        return cache.incr(counter)
    except ValueError:  # expired between add() and incr(), or no cache
        return 1
