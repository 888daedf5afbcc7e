"""Response headers Django has no setting for."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Browser features the site never uses, switched off for it and anything it embeds
# (issue 8). `interest-cohort=()` opts out of FLoC-style tracking.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
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
)


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` to every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
