from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def site(request: HttpRequest) -> dict[str, str]:
    """Site-wide names and links for the layout."""
    feed_path = reverse("events:calendar-feed")
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CALENDAR_WEBCAL_URL": "webcal://" + request.get_host() + feed_path,
    }
