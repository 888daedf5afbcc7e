"""Whole pages cached for visitors who are not logged in, and never stale.

A shared event link can bring hundreds of visitors a minute; they all see the same
page, so it is rendered once and then served from the cache. What keeps it correct:

- Every cached page is stored under the current *generation* of the site's content.
- Any write to a table of a watched app (`PAGE_CACHE_WATCHED_APPS`) ends the
  generation: the SQL is seen in Django's database layer, so every path counts, be
  it a model method, the admin, `QuerySet.update()`, a cascade or a management
  command. It ends at once (so the writing request and tests see their change) and
  again after commit (so that no page rendered from the old rows in between
  survives under the new generation).
- A generation also ends by itself at the next moment a page changes with time (an
  evening starts or ends, RSVPs open or close, a scheduled recap goes online): the
  apps name these moments through `PAGE_CACHE_SCHEDULE`. And after at most
  `PAGE_CACHE_SECONDS`, as a backstop.
- Only anonymous GETs with no messages waiting are served from or stored in the
  cache, and only responses that set no cookie and used no CSRF token.

One generation for the whole site, not one per event: the pages show each other's
data (the home page shows RSVP counts and comment counts, an event page shows
profiles and its recap). A missed dependency would show a stale page; a coarse one
only costs a few renders after a write, and writes are rare next to reads.

The generation lives in the cache, so every worker must share it: the page cache is
on by default only with a shared cache (Redis), never with per-process local memory
in production (see `PAGE_CACHE` in settings).
"""

import hashlib
import math
import os
import pickle
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache as memoize
from functools import wraps
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone, translation
from django.utils.module_loading import import_string


def _code_fingerprint() -> str:
    """What the running code renders with: its Python files, templates, compiled
    translations and static file names. A deploy changes it, so new code never
    reads what old code stored (its pages, or values in an older shape), not even
    while old and new workers run side by side."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    suffixes = {".py", ".html", ".txt", ".mo"}
    skip = {"var", "node_modules", "tests", "static"}
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in skip)
        for name in sorted(files):
            path = Path(folder, name)
            if path.suffix in suffixes:
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(base)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    manifest = Path(settings.STATIC_ROOT, "staticfiles.json")
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:12]


@memoize
def generation_key() -> str:
    return f"pagecache:generation:{_code_fingerprint()}"


class WorkerMemory:
    """What this worker served lately, as it is (not pickled): pages, fragments,
    and the pickled form of values. Only for things nobody changes in place."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            self._items.pop(key, None)
            return None
        return item[1]

    def set(self, key: str, value: Any, timeout: float) -> None:
        if len(self._items) >= self.max_entries:
            # Keys of ended generations are never asked for again: start afresh.
            self._items.clear()
        self._items[key] = (time.monotonic() + timeout, value)

    def clear(self) -> None:
        self._items.clear()


# Pages and fragments never change under their key (a new generation means new
# keys), so each worker keeps a copy of what it served in its own memory: a hit
# then costs one small read of the shared generation, not a 100 KB transfer.
_local = WorkerMemory(max_entries=500)

# Statements that change nothing; anything else that is not a plain INSERT, UPDATE
# or DELETE on a known table (DDL, TRUNCATE, ...) ends the generation to be safe.
_READ = re.compile(
    r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|SET|SHOW|EXPLAIN|BEGIN|COMMIT|PRAGMA)\b",
    re.IGNORECASE,
)
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)

# Django notes the time of every login on the member's row; no page shows it, so a
# login leaves the cached pages alone (this exact statement only).
_LOGIN_STAMP = re.compile(
    r'UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s'
)

ViewFunction = Callable[..., HttpResponseBase]


def is_enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE", False))


# The generation -------------------------------------------------------------------


# The generation a request saw, so that it asks the shared cache once, not once
# per fragment. Only kept while a request runs, and forgotten when content changes;
# code outside requests (commands, tasks) always asks.
_seen = threading.local()


def _forget_seen(**kwargs: Any) -> None:
    _seen.stored = None
    _seen.in_request = False


def _request_started(**kwargs: Any) -> None:
    _seen.stored = None
    _seen.in_request = True


def current_generation(now: datetime | None = None) -> str | None:
    """The token pages are stored under now; None when nothing may be cached
    (a scheduled change is less than a second away)."""
    now = now or timezone.now()
    stored = getattr(_seen, "stored", None)
    if stored is None or not stored[1] <= now.timestamp() < stored[2]:
        stored = _remember_seen(cache.get(generation_key()))
    # The time check also catches a clock that went back (time travel in tests).
    if stored is not None and stored[1] <= now.timestamp() < stored[2]:
        return stored[0]
    seconds = seconds_until_scheduled_change(now)
    if seconds < 1:
        return None
    fresh = (secrets.token_hex(8), now.timestamp(), now.timestamp() + seconds)
    if stored is None and not cache.add(generation_key(), fresh, timeout=seconds):
        # Another request started one at the same moment: share it.
        stored = _remember_seen(cache.get(generation_key()))
        return stored[0] if stored is not None else None
    if stored is not None:
        cache.set(generation_key(), fresh, timeout=seconds)
    _remember_seen(fresh)
    return fresh[0]


def _remember_seen(stored: Any) -> Any:
    if getattr(_seen, "in_request", False):
        _seen.stored = stored
    return stored


def seconds_until_scheduled_change(now: datetime) -> int:
    """Whole seconds until the next moment a page changes by itself, at most
    PAGE_CACHE_SECONDS."""
    limit = settings.PAGE_CACHE_SECONDS
    moments = [m for m in _scheduled_changes(now) if m is not None and m > now]
    if moments:
        limit = min(limit, math.floor((min(moments) - now).total_seconds()))
    return limit


def _scheduled_changes(now: datetime) -> Iterable[datetime | None]:
    for path in getattr(settings, "PAGE_CACHE_SCHEDULE", []):
        yield import_string(path)(now)


def content_changed() -> None:
    """End the current generation: every cached page is rendered afresh."""
    _seen.stored = None
    cache.delete(generation_key())


# Watching writes --------------------------------------------------------------------


@memoize
def watched_tables() -> frozenset[str]:
    installed = {config.label: config for config in apps.get_app_configs()}
    return frozenset(
        model._meta.db_table
        for label in settings.PAGE_CACHE_WATCHED_APPS
        if label in installed
        for model in installed[label].get_models(include_auto_created=True)
    )


def changes_content(sql: str) -> bool:
    if _READ.match(sql) or _LOGIN_STAMP.fullmatch(sql):
        return False
    write = _WRITE.match(sql)
    return write is None or write.group(1) in watched_tables()


def _after_commit() -> None:
    content_changed()


def watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    """A database execute wrapper: a write to a watched table ends the generation."""
    result = execute(sql, params, many, context)
    if is_enabled() and changes_content(sql):
        content_changed()
        connection = context["connection"]
        if connection.in_atomic_block:
            queued = (entry[1] for entry in connection.run_on_commit)
            if not any(func is _after_commit for func in queued):
                connection.on_commit(_after_commit, robust=True)
    return result


def _watch_connection(
    sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any
) -> None:
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def _after_migrate(**kwargs: Any) -> None:
    # `migrate` runs after a restore or a schema change: the database may hold
    # anything now, written where this watcher could not see it.
    if is_enabled():
        content_changed()


def install() -> None:
    """Watch every database connection Django opens (from an AppConfig.ready());
    the watcher does nothing while the page cache is off."""
    connection_created.connect(_watch_connection, dispatch_uid="pagecache")
    post_migrate.connect(_after_migrate, dispatch_uid="pagecache-migrate")
    request_started.connect(_request_started, dispatch_uid="pagecache-started")
    request_finished.connect(_forget_seen, dispatch_uid="pagecache-finished")


# Fragments --------------------------------------------------------------------------


def fragment_key(name: str, *vary: Any) -> str | None:
    """Where a template fragment is cached in this generation and language; None
    when it must be rendered (page cache off, or a vary value is None)."""
    if not is_enabled() or any(value is None for value in vary):
        return None
    generation = current_generation()
    if generation is None:
        return None
    parts = ":".join(str(value) for value in vary)
    return f"pagecache:{generation}:{translation.get_language()}:{name}:{parts}"


def remember(name: str, *vary: Any, compute: Callable[[], Any]) -> Any:
    """A value read from the database (an object, a set, a tuple), kept for this
    generation: computed once, then shared by every request until any of its data
    changes. It must be picklable and named fully by `name` and `vary`; with the
    page cache off, or a vary value of None, it is computed every time."""
    if not is_enabled() or any(value is None for value in vary):
        return compute()
    generation = current_generation()
    if generation is None:
        return compute()
    parts = ":".join(str(value) for value in vary)
    key = f"pagecache:{generation}:data:{name}:{parts}"
    # Kept pickled, so that every request gets its own copy to change.
    found = _get(key)
    if found is None:
        found = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
        _set(key, found)
    return pickle.loads(found)  # noqa: S301 - written by this code, read back


def cached_fragment(key: str | None, render: Callable[[], str]) -> str:
    """The fragment under `key`, rendering and storing it when it is missing."""
    if key is None:
        return render()
    html = _get(key)
    if html is None:
        html = render()
        _set(key, html)
    return html


def _get(key: str) -> Any:
    value = _local.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            _local.set(key, value, timeout=settings.PAGE_CACHE_SECONDS)
    return value


def _set(key: str, value: Any) -> None:
    cache.set(key, value, timeout=settings.PAGE_CACHE_SECONDS)
    _local.set(key, value, timeout=settings.PAGE_CACHE_SECONDS)


# The view decorator -----------------------------------------------------------------


def cache_for_visitors(
    *, params: tuple[str, ...] = ()
) -> Callable[[ViewFunction], ViewFunction]:
    """Serve the view's page from the cache to visitors who are not logged in.

    `params`: the query parameters the page depends on (e.g. "page"); a request with
    any other parameter is rendered, not cached, so made-up URLs cannot fill the
    cache.
    """

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            key = _page_key(request, params)
            if key is None:
                return view(request, *args, **kwargs)
            stored = _get(key)
            if stored is not None:
                content, status, headers = stored
                return HttpResponse(content, status=status, headers=headers)
            response = view(request, *args, **kwargs)
            if request.method == "GET" and _is_shareable(request, response):
                _set(
                    key,
                    (response.content, response.status_code, dict(response.headers)),
                )
            return response

        return wrapper

    return decorator


def _page_key(request: HttpRequest, params: tuple[str, ...]) -> str | None:
    if (
        not is_enabled()
        or request.method not in ("GET", "HEAD")
        or any(name not in params for name in request.GET)
        or request.user.is_authenticated
        or len(get_messages(request))
    ):
        return None
    generation = current_generation()
    if generation is None:
        return None
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:32]
    return f"pagecache:{generation}:{translation.get_language()}:{digest}"


def _is_shareable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The same for every visitor: a plain 200 that set no cookie and holds no
    CSRF token (which is personal)."""
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )
