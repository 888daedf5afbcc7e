from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.i18n import set_language

from events.sitemaps import EventSitemap, PageSitemap, RecapSitemap
from events.views.pages import robots_txt
from somehub.lib.csrf import same_origin_only

sitemaps = {"pages": PageSitemap, "events": EventSitemap, "recaps": RecapSitemap}

# A database outage outside a view gets the 503 page too (core/health.py).
handler500 = "core.health.server_error"

# The admin's own login form has no rate limit, so it would let anyone try
# organizers' passwords without end: everyone logs in through allauth's (limited,
# and with login codes); the admin's login page only sends people there.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("events.urls")),
    path("impulse/", include("impulses.urls")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    # The language switch is in every page, also those cached for all visitors, so
    # its form has no personal CSRF token: it must come from this site instead.
    path("i18n/setlang/", same_origin_only(set_language), name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
