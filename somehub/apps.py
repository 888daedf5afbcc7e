"""The admin, with the site class in somehub/admin.py (listed in INSTALLED_APPS)."""

from django.contrib.admin.apps import AdminConfig


class OrgaAdminConfig(AdminConfig):
    default_site = "somehub.admin.OrgaAdminSite"
