"""Staying up when the database is not: the load balancer's health check, a
friendly 503 page instead of a traceback while PostgreSQL is down or too slow, and
a 400 or 404 for URLs that PostgreSQL could not even read (a NUL character).

Nothing here keeps state: once the database answers again, the next request gets a
fresh connection (Django drops a connection that failed) and pages work by
themselves.
"""

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist, loader
from django.utils.cache import add_never_cache_headers
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger("core.health")

HEALTH_PATHS = frozenset({"/healthz", "/healthz/"})
# Errors that mean "the database is unreachable or gave up", not "the code is wrong":
# a refused or lost connection, a statement timeout (QueryCanceled), a server
# shutting down. IntegrityError and ProgrammingError stay 500s.
OUTAGE_ERRORS = (OperationalError, InterfaceError)
# How long browsers and load balancers should wait before they try again.
RETRY_AFTER_SECONDS = 30


class HealthCheckMiddleware:
    """Answers `/healthz` with one database round trip: 200 `ok` or 503; and one
    PING to the cache: while it does not answer, still 200 (the site works without
    it, uncached) but `cache: degraded` on a second line, for monitoring.

    It sits right after SecurityMiddleware (the path is exempt from the HTTPS
    redirect, see SECURE_REDIRECT_EXEMPT) and before sessions, locale, CSRF and
    authentication, so the answer sets no cookie and costs no session lookup. It
    checks no Host header either: a load balancer often calls the server by its
    address, and the answer names nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in HEALTH_PATHS:
            return health_check(request)
        return self.get_response(request)


def health_check(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405, content_type="text/plain; charset=utf-8")
        response["Allow"] = "GET, HEAD"
        return response
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, InterfaceError) as exc:
        # The reason goes to the log, never to the caller.
        logger.warning("Health check failed: %s", type(exc).__name__)
        response = HttpResponse(
            "unavailable\n", status=503, content_type="text/plain; charset=utf-8"
        )
    else:
        body = "ok\n" if _cache_available() else "ok\ncache: degraded\n"
        response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    add_never_cache_headers(response)
    return response


def _cache_available() -> bool:
    """Whether the shared cache answers (a local-memory cache always does)."""
    is_available = getattr(cache, "is_available", None)
    return is_available() if is_available is not None else True


class RejectNulMiddleware:
    """A NUL character in the path is a 404, in the query string a 400.

    PostgreSQL cannot store or even compare text with NUL in it, so a search box
    fed `%00` (the admin's, say) would end in a database error, a 500. Forms refuse
    NUL themselves; URLs never need one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            raise Http404("No page has a NUL in its address.")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            raise BadRequest("NUL character in the query string.")
        return self.get_response(request)


class DatabaseOutageMiddleware:
    """Turns a database outage or timeout inside a view into the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, OUTAGE_ERRORS):
            return None
        log_outage(request, exception)
        return service_unavailable(request)


def log_outage(request: HttpRequest, exception: BaseException) -> None:
    # One line per request, no traceback: during an outage every request fails the
    # same way. Django logs the 503 itself as an error (which Sentry sees); this line
    # says why.
    logger.warning(
        "Database unavailable: %s: %s",
        type(exception).__name__,
        str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        extra={"status_code": 503, "request": request},
    )


def service_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    """The 503 page, rendered without the database.

    No request goes into the template: context processors would look up the
    logged-in user (a query), so the layout shows its logged-out navigation.
    """
    # "Try again" reloads the page asked for; after a failed form, the home page
    # (the form's URL takes POSTs only).
    retry = "/"
    if request is not None and request.method in ("GET", "HEAD"):
        retry = request.get_full_path()
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "retry_url": retry,
    }
    try:
        body = loader.get_template("503.html").render(context)
        content_type = "text/html; charset=utf-8"
    except (TemplateDoesNotExist, DatabaseError, InterfaceError):
        body = "Service unavailable. Please try again in a moment.\n"
        content_type = "text/plain; charset=utf-8"
    response = HttpResponse(body, status=503, content_type=content_type)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: a database outage outside a view (a middleware saving the
    session, say) still gets the 503 page; anything else is Django's 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OUTAGE_ERRORS):
        return service_unavailable(request)
    return default_server_error(request)
