"""Response headers Django has no setting for, and a page for a bare 405."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse

# Browser features the site never uses, switched off for it and anything it
# embeds. `interest-cohort=()` opts out of FLoC-style tracking.
FEATURES_OFF = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "usb",
    "xr-spatial-tracking",
    "interest-cohort",
)


def permissions_policy(*allowed: str) -> str:
    """The policy with `allowed` features open to the site itself (not to frames)."""
    return ", ".join(
        f"{feature}=(self)" if feature in allowed else f"{feature}=()"
        for feature in FEATURES_OFF
    )


PERMISSIONS_POLICY = permissions_policy()


def allow_features(*features: str) -> Callable[[Any], Any]:
    """For the one page that needs a device (the door check-in's camera scanner):
    the features named are allowed for the site's own origin on that page only."""
    policy = permissions_policy(*features)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response.headers["Permissions-Policy"] = policy
            return response

        return wrapper

    return decorator


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` to every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class FriendlyMethodNotAllowedMiddleware:
    """Opening the address of a button (a GET on a URL that only takes POST, such as
    /events/<slug>/rsvp/) in a browser gives a page that says what happened and
    leads back to the page with the button, instead of Django's empty 405."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method == "GET"
            and not response.content
        ):
            page = render(
                request,
                "405.html",
                {"back_url": page_above(request.path)},
                status=405,
            )
            if "Allow" in response.headers:
                page.headers["Allow"] = response.headers["Allow"]
            return page
        return response


def page_above(path: str) -> str:
    """The nearest page up the path (/recaps/x/comments/ → /recaps/x/), where the
    button usually is; the home page if none is found."""
    parts = [p for p in path.split("/") if p]
    while len(parts) > 1:
        parts.pop()
        candidate = "/" + "/".join(parts) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return reverse("events:home")
