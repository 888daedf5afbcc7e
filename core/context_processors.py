from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from events.calendar import webcal_url


def site(request: HttpRequest) -> dict[str, str]:
    """Site-wide names and links for the layout. Absolute links come from SITE_URL,
    never from the request's Host header: pages are shared by all visitors (the
    page cache), and the error page for a bad Host must render too."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CALENDAR_WEBCAL_URL": webcal_url(reverse("events:calendar-feed")),
    }
