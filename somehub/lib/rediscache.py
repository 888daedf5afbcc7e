"""Django's Redis cache, made so that Redis going away never takes the site with it.

- **Every call gives up quickly.** Connecting and each reply wait at most
  `socket_connect_timeout` / `socket_timeout` (settings: 0.1 s), with no retries.
- **A failed call is a miss.** `get` answers the default, `add` answers True (the
  key was free), `set`/`delete` answer False, `incr`/`decr` raise ValueError as for
  a missing key. What the cache holds is only ever a copy or a guard (pages,
  rate-limit counters, allauth's throttles and their locks), so the site then works
  as if it had no cache: pages are rendered and not stored, limits let requests
  through rather than lock everyone out.
- **Then it is left alone for a moment.** After a failure, this process skips Redis
  for `COOL_DOWN` seconds, so that a page does not wait 0.1 s for every call while
  Redis is down; the first call after that tries again. This state is per process on
  purpose: it is a guess about the network, never shared data.
- One client per connection pool: Django builds a new `redis.Redis` for every call,
  which costs about as much as the call itself.
- `clear()` deletes this site's keys (its `KEY_PREFIX`), not the whole database.

`is_available()` tells the health check whether the cache answers right now.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("somehub.cache")

COOL_DOWN = 5.0
DEFAULT_OPTIONS = {"socket_timeout": 0.1, "socket_connect_timeout": 0.1}

T = TypeVar("T")


class _Health:
    """When this process may ask Redis again (per process, see above)."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.lock = threading.Lock()

    def skipping(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self, exc: Exception) -> None:
        with self.lock:
            first = not self.skipping()
            self.down_until = time.monotonic() + COOL_DOWN
        if first:
            logger.warning(
                "Cache unavailable (%s): serving uncached for %ss",
                type(exc).__name__,
                COOL_DOWN,
            )

    def recovered(self) -> None:
        self.down_until = 0.0


health = _Health()


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own client's private parts, as its get_client() uses them.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            make = self._client  # type: ignore[attr-defined]
            client = self._clients[id(pool)] = make(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def _safely(self, fallback: T, call: Callable[..., T], *args: Any) -> T:
        if health.skipping():
            return fallback
        try:
            return call(*args)
        except (RedisError, OSError) as exc:
            health.failed(exc)
            return fallback

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._safely(default, super().get, key, default, version)

    def get_many(self, keys: Any, version: Any = None) -> dict[str, Any]:
        return self._safely({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._safely(False, super().has_key, key, version)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._safely(True, super().add, key, value, timeout, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> Any:
        return self._safely(None, super().set, key, value, timeout, version)

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        return self._safely(list(data), super().set_many, data, timeout, version)

    def touch(
        self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._safely(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._safely(False, super().delete, key, version)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._safely(None, super().delete_many, keys, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        result = self._safely(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def clear(self) -> None:
        """Delete this site's keys only (those with its KEY_PREFIX): Django's own
        clear() empties the whole Redis database, other sites' keys included."""
        self._safely(None, self._clear_prefix)

    def _clear_prefix(self) -> None:
        client = self._cache.get_client(write=True)
        pattern = f"{self.key_prefix}:*" if self.key_prefix else "*"
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)

    def is_available(self) -> bool:
        """Whether Redis answers now (a PING), for the health check."""
        try:
            ok = bool(self._cache.get_client(write=True).ping())
        except (RedisError, OSError) as exc:
            health.failed(exc)
            return False
        health.recovered()
        return ok
