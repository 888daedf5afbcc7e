"""The site's infrastructure as Django apps: `core` itself, and Django's admin
with the Orga-Team's admin site (core/admin.py)."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from core import checks, pagecache


class CoreConfig(AppConfig):
    """Site infrastructure that every app relies on and no app's models import:
    the page cache, health check, middleware, admin site, deploy checks."""

    name = "core"
    verbose_name = "SoMeHub"

    def ready(self) -> None:
        checks.register()
        pagecache.install()


class OrgaAdminConfig(admin_apps.AdminConfig):
    """Django's admin (listed in INSTALLED_APPS in its place) with our site class."""

    default = False  # "core" itself is CoreConfig

    default_site = "core.admin.OrgaAdminSite"
