"""Whole pages for visitors who are not logged in, shared by every worker and server,
and never stale.

A shared event link can bring hundreds of visitors a minute, and they all see the same
page: it is rendered once and then served from the shared cache (Redis) until any of
its data changes. This module is the whole story; views only say
`@cache_for_visitors()`.

**The generation.** Every cached page is stored under the current *generation*, a
random token kept in the shared cache under one fixed key. Every server and every
release reads the same key, so whoever ends the generation ends it for all of them.
It ends

- on any write to a table of `PAGE_CACHE_WATCHED_APPS`, seen in Django's database
  layer, so every path counts (model methods, the admin, `QuerySet.update()`,
  cascades, management commands). It ends at once, so the writing request sees its
  change, and again after commit, so that a page rendered from the old rows in
  between is never read under the new generation;
- at the next moment a page changes by itself (an evening starts, RSVPs close, a
  scheduled recap goes online): the apps name these moments through
  `PAGE_CACHE_SCHEDULE`, and the generation is stored with a timeout that ends then;
- after `PAGE_CACHE_SECONDS` at most, as a backstop;
- with `manage.py clear_page_cache` and after `migrate` (a restore or psql may have
  written where nothing watched).

One generation for the whole site, not one per page: pages show each other's data
(the home page shows RSVP counts, an event page shows profiles and its recap). A
coarse end costs a few renders after a write; a missed dependency would show a stale
page. Members cannot keep the site uncached by writing in a loop: every member write
is rate-limited.

**What is cached.** GET and HEAD requests by visitors who are not logged in and have
no message waiting (they carry no session and no messages cookie), for a URL in its
canonical form: the path, and only the query parameters the view names, each once
and in canonical spelling (`?page=2`, never `?page=02`, `?page=1` or `?x=1`); any
other spelling of a page is served, but not stored. Only a plain 200 that set no
cookie and used no CSRF token is stored, so nothing personal ever enters the cache.
`PageCacheMiddleware` serves a kept page before sessions, language and CSRF are
looked at, and stores the finished response with all its headers. The key is made
of the release, the language and the canonical URL: not the Host header, which
pages never show (absolute links come from `SITE_URL`). The entry names the
generation it was rendered in and is served only while that generation is current;
the generation and the page are read together, in one round trip. So the entries
are bounded by the number of real pages times the number of languages, whatever
the number of generations.

**Releases.** Page keys carry the release (`SOMEHUB_RELEASE`, else a hash of the
code's contents — the same on every server running the same code), so that old and
new code never read each other's pages during a deploy. The generation is shared by
all releases.

**Shared pieces for members.** Members' pages are rendered for each request, but a
piece that is the same for every viewer of a kind (a recap's comment thread as every
ordinary member sees it) may be kept for the generation with `shared_piece()`. What
keeps it honest is its shape: the piece is rendered without the request (so without
the viewer, a CSRF token or messages) from what one plain function builds out of the
piece's key alone, and the key is made of those same values. A piece can show nothing
its key does not name. A key may name what differs between viewers when it takes
few values (an event card is kept per date and the viewer's answer), never a
form token: forms stay outside the piece. `shared_pieces()` reads the pieces of
a list in one round trip. Like a page, a piece names the generation it was
rendered in.

**Failure.** The cache backend gives up within about 100 ms and then answers
"nothing" (somehub/lib/rediscache.py): without a generation, pages are rendered and
not stored, and the site works as if there were no cache.
"""

import hashlib
import math
import os
import re
import secrets
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime
from functools import cache as memoize
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Model
from django.db.models.signals import post_migrate
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

GENERATION_KEY = "pagecache:generation"

ViewFunction = Callable[..., HttpResponseBase]


def is_enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE", False))


# The release ---------------------------------------------------------------------


@memoize
def release() -> str:
    """What the running code renders with: `SOMEHUB_RELEASE`, else a hash of the
    contents (never the dates) of the code, templates, translations and static
    files, so that two checkouts of the same commit agree."""
    named = getattr(settings, "RELEASE", "")
    if named:
        return str(named)
    base = Path(settings.BASE_DIR)
    skip = {"var", "node_modules", "tests", "media", "__pycache__"}
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in skip)
        for name in sorted(files):
            path = Path(folder, name)
            if path.suffix in {".py", ".html", ".txt", ".mo", ".css", ".js", ".svg"}:
                digest.update(str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# The generation ------------------------------------------------------------------


def read_kept(key: str) -> Any:
    """What is kept under `key` for the current generation, else None: the
    generation and the entry are read together, in one round trip, and an entry
    rendered in another generation counts as not there. Never starts a
    generation."""
    return read_all_kept([key]).get(key)


def read_all_kept(keys: list[str]) -> dict[str, Any]:
    """read_kept() for several keys in one round trip: the keys found."""
    found = cache.get_many([GENERATION_KEY, *keys])
    stored = found.get(GENERATION_KEY)
    if not (isinstance(stored, tuple) and _is_current(stored, timezone.now())):
        return {}
    kept = {}
    for key in keys:
        entry = found.get(key)
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == stored[0]:
            kept[key] = entry[1]
    return kept


def keep(key: str, generation: str, value: Any) -> None:
    """Keep `value` under `key` for `generation` (read it back with read_kept)."""
    cache.set(key, (generation, value), timeout=settings.PAGE_CACHE_SECONDS)


def current_generation(now: datetime | None = None) -> str | None:
    """The token pages are stored under now; None when nothing may be cached (the
    cache does not answer, or a scheduled change is less than a second away)."""
    now = now or timezone.now()
    stored = cache.get(GENERATION_KEY)
    if _is_current(stored, now):
        return str(stored[0])
    seconds = seconds_until_scheduled_change(now)
    if seconds < 1:
        return None
    fresh = (secrets.token_hex(8), now.timestamp(), now.timestamp() + seconds)
    if stored is not None:
        # Its time is up (the clock passed its end before the shared cache let
        # it go): replace it.
        cache.set(GENERATION_KEY, fresh, timeout=seconds)
        return fresh[0]
    if cache.add(GENERATION_KEY, fresh, timeout=seconds):
        return fresh[0]
    # Another request started one at the same moment: share it (None if the cache
    # has gone away meanwhile).
    stored = cache.get(GENERATION_KEY)
    return str(stored[0]) if _is_current(stored, now) else None


def _is_current(stored: Any, now: datetime) -> bool:
    """A stored generation is (token, started, ends) in POSIX seconds. Besides the
    cache's own timeout, its end is checked against this server's clock, and a
    start more than a second in the future means the clock went back (tests that
    travel in time): either way it has ended."""
    if not (isinstance(stored, tuple) and len(stored) == 3):
        return False
    moment = now.timestamp()
    return bool(stored[1] - 1 <= moment < stored[2])


def seconds_until_scheduled_change(now: datetime) -> int:
    """Whole seconds until the next moment a page changes by itself, at most
    PAGE_CACHE_SECONDS."""
    limit = int(settings.PAGE_CACHE_SECONDS)
    moments = [m for m in _scheduled_changes(now) if m is not None and m > now]
    if moments:
        limit = min(limit, math.floor((min(moments) - now).total_seconds()))
    return limit


def _scheduled_changes(now: datetime) -> Iterable[datetime | None]:
    for path in getattr(settings, "PAGE_CACHE_SCHEDULE", []):
        yield import_string(path)(now)


def content_changed() -> None:
    """End the current generation on every server: every page is rendered afresh."""
    cache.delete(GENERATION_KEY)


# Watching writes -----------------------------------------------------------------

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


@memoize
def watched_tables() -> frozenset[str]:
    """The tables of PAGE_CACHE_WATCHED_APPS, but for models no page shows
    (PAGE_CACHE_UNSHOWN_MODELS: usage counters, pending sign-ups): a visitor who
    asks for login codes in a loop must not keep every page uncached."""
    installed = {config.label: config for config in apps.get_app_configs()}
    unshown = {
        apps.get_model(name)._meta.db_table
        for name in getattr(settings, "PAGE_CACHE_UNSHOWN_MODELS", [])
    }
    return (
        frozenset(
            model._meta.db_table
            for label in settings.PAGE_CACHE_WATCHED_APPS
            if label in installed
            for model in installed[label].get_models(include_auto_created=True)
        )
        - unshown
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
    if is_enabled():
        content_changed()


def install() -> None:
    """Watch every database connection Django opens (from CoreConfig.ready()); the
    watcher does nothing while the page cache is off."""
    connection_created.connect(_watch_connection, dispatch_uid="pagecache")
    post_migrate.connect(_after_migrate, dispatch_uid="pagecache-migrate")


# Serving and storing ---------------------------------------------------------------

# Canonical spellings of the query parameters a cached page may take.
PARAMETERS = {
    # Page 1 is the page without a parameter.
    "page": re.compile(r"[2-9]|[1-9][0-9]{1,4}"),
}


def cache_for_visitors(
    *, params: tuple[str, ...] = ()
) -> Callable[[ViewFunction], ViewFunction]:
    """Mark a view whose page may be kept for visitors who are not logged in
    (PageCacheMiddleware serves and stores it; the view itself is unchanged).

    `params`: the query parameters the page depends on (names from PARAMETERS); a
    request with any other parameter, or another spelling, is rendered and not
    stored, so made-up URLs cannot fill the cache.
    """
    unknown = set(params) - set(PARAMETERS)
    if unknown:
        raise ValueError(f"No canonical form for query parameters {unknown}.")

    def decorator(view: ViewFunction) -> ViewFunction:
        # Decorators applied on top (functools.wraps) carry the mark along.
        view.page_cache_params = params  # type: ignore[attr-defined]
        return view

    return decorator


class PageCacheMiddleware:
    """Serves a kept page to a visitor before sessions, language, CSRF and the view
    are reached; keeps the finished response (with every header the middleware
    below it added) of a view marked with `cache_for_visitors`.

    It sits near the top of MIDDLEWARE, below WhiteNoise (static files never ask
    the cache) and above the session middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _may_share(request):
            stored = read_kept(page_key(request))
            if stored is not None:
                content, status, headers = stored
                return HttpResponse(content, status=status, headers=headers)
        started = _view_generation.set(None)
        try:
            response = self.get_response(request)
        finally:
            _view_generation.reset(started)
        keeping = getattr(request, "page_cache_entry", None)
        if (
            keeping is not None
            and request.method == "GET"
            and _is_shareable(request, response)
            # Rendered in the language the key names (LocaleMiddleware agrees).
            and response.get("Content-Language") == _language_in(keeping[0])
        ):
            assert isinstance(response, HttpResponse)
            key, generation = keeping
            value = (response.content, response.status_code, dict(response.headers))
            keep(key, generation, value)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: ViewFunction,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        """Before a marked view reads anything, read (or start) the generation
        its page and its shared pieces will be kept under, so that a write while
        the view reads and renders ends the generation they belong to."""
        params = getattr(view, "page_cache_params", None)
        if params is None or not is_enabled() or request.method not in ("GET", "HEAD"):
            return
        shared = _may_share(request) and canonical_query(request, params) is not None
        try:
            # Starting one reads the next scheduled change from the database.
            generation = current_generation()
        except DatabaseError:
            # Nothing kept; the view meets the outage itself, where the outage
            # middleware turns it into the 503 page.
            return
        _view_generation.set((generation,))
        if shared and generation is not None:
            entry = (page_key(request), generation)
            request.page_cache_entry = entry  # type: ignore[attr-defined]


def _may_share(request: HttpRequest) -> bool:
    """A visitor's GET or HEAD of a URL spelled as some page's canonical one. A
    member, or a visitor with a message waiting, carries a cookie and is left to
    the views; an unknown Host is refused (400) as it would be without the cache."""
    if (
        not is_enabled()
        or request.method not in ("GET", "HEAD")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
        or canonical_query(request, tuple(PARAMETERS)) is None
    ):
        return False
    request.get_host()
    return True


def canonical_query(request: HttpRequest, params: tuple[str, ...]) -> str | None:
    """The query string if it is the canonical spelling of one page, else None."""
    raw = str(request.META.get("QUERY_STRING", ""))
    if not raw:
        return ""
    pairs = [part.partition("=") for part in raw.split("&")]
    names = [name for name, _, _ in pairs]
    if len(set(names)) != len(names) or names != sorted(names):
        return None
    for name, equals, value in pairs:
        if name not in params or not equals or not PARAMETERS[name].fullmatch(value):
            return None
    return raw


def page_key(request: HttpRequest) -> str:
    """Where this request's page is kept."""
    url = f"{request.path}?{request.META.get('QUERY_STRING', '')}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    language = translation.get_language_from_request(request)
    return f"page:{release()}:{language}:{digest}"


def _language_in(key: str) -> str:
    return key.split(":")[2]


def _is_shareable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The same for every visitor: a plain 200 that set no cookie, used no CSRF
    token (which is personal) and is not marked private."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


# Shared pieces -------------------------------------------------------------------

KeyValue = Model | str | int | bool | None

# The generation a marked view's request read before the view ran (None: nothing
# may be kept). A piece built from rows the view read earlier (a card from the
# view's event and its counts) is kept under it: a write after that read has
# ended it, so the piece is never served.
_view_generation: ContextVar[tuple[str | None] | None] = ContextVar(
    "pagecache_view_generation", default=None
)


def shared_piece(
    template_name: str, build: Callable[..., dict[str, Any]], **key: KeyValue
) -> SafeString:
    """A piece of a page that is the same for everyone it is shown to, kept for
    the generation.

    `build(**key)` returns the template's context; it must be a plain function of
    the key (no closure), and the key values plain ones (model instances count by
    their primary key: within a generation their rows do not change). The piece is
    rendered without the request. A view that passes rows it read itself must be
    marked with cache_for_visitors(): its pieces are then kept under the
    generation read before the view read those rows.
    """
    return shared_pieces(template_name, build, [key])[0]


def shared_pieces(
    template_name: str,
    build: Callable[..., dict[str, Any]],
    keys: list[dict[str, KeyValue]],
) -> list[SafeString]:
    """shared_piece() for each of `keys` (one per row of a list), read in one
    round trip."""
    if build.__closure__ is not None:
        raise TypeError("A shared piece is built from its key alone: no closures.")
    if not is_enabled():
        return [_render_piece(template_name, build, key) for key in keys]
    cache_keys = [_piece_key(template_name, build, key) for key in keys]
    kept = read_all_kept(cache_keys)
    read_before_the_view = _view_generation.get()
    generation = read_before_the_view[0] if read_before_the_view else None
    pieces = []
    for key, cache_key in zip(keys, cache_keys, strict=True):
        html = kept.get(cache_key)
        if not isinstance(html, str):
            if read_before_the_view is None:
                # Outside a marked view: read (or started) before rendering, so
                # a write meanwhile ends it (the build reads its own rows).
                generation = generation or current_generation()
            html = _render_piece(template_name, build, key)
            if generation is not None:
                keep(cache_key, generation, html)
        pieces.append(mark_safe(html))  # noqa: S308 - rendered by the template engine
    return pieces


def _render_piece(
    template_name: str, build: Callable[..., dict[str, Any]], key: dict[str, KeyValue]
) -> SafeString:
    html = render_to_string(template_name, build(**key))
    return mark_safe(html)  # noqa: S308 - rendered by the template engine


def _piece_key(
    template_name: str, build: Callable[..., Any], key: dict[str, KeyValue]
) -> str:
    named = ",".join(f"{name}={_identity(key[name])}" for name in sorted(key))
    where = f"{template_name}:{build.__module__}.{build.__qualname__}:{named}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:32]
    language = translation.get_language()
    return f"piece:{release()}:{language}:{digest}"


def _identity(value: KeyValue) -> str:
    if isinstance(value, Model):
        return f"{value._meta.label}:{value.pk}"
    if value is None or isinstance(value, (str, int, bool)):
        return repr(value)
    raise TypeError(f"A shared piece's key cannot be a {type(value).__name__}.")
