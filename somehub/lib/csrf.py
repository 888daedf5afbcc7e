"""Cross-site request checks for forms that carry no CSRF token.

A page that is the same for every visitor (and so can be cached whole) cannot hold a
CSRF token, which is personal. The few forms on such pages (the language switch, the
e-mail box that starts an RSVP) are protected the way browsers now allow without a
token: a POST must say it comes from this site, through the Fetch Metadata header
`Sec-Fetch-Site: same-origin` or, from browsers without it, an `Origin` header naming
this site (or one of `CSRF_TRUSTED_ORIGINS`). A POST that names neither is refused
like a failed CSRF check (403), so a form on another site can never submit them.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import REASON_BAD_ORIGIN
from django.urls import get_callable
from django.views.decorators.csrf import csrf_exempt

ViewFunction = Callable[..., HttpResponseBase]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def is_same_origin(request: HttpRequest) -> bool:
    """Does this request come from a page of this site?"""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def same_origin_only(view: ViewFunction) -> ViewFunction:
    """Protect a view whose form carries no CSRF token: unsafe methods must come
    from this site (see the module docstring); anything else gets Django's CSRF
    failure page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in SAFE_METHODS and not is_same_origin(request):
            origin = request.headers.get("Origin", "")
            failure_view = get_callable(settings.CSRF_FAILURE_VIEW)
            response: HttpResponseBase = failure_view(
                request, reason=REASON_BAD_ORIGIN % origin
            )
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)
