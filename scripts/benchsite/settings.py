"""The benchmark server's settings: production's own, with the baseline views
mounted under /bench/ (scripts/benchsite/urls.py)."""

from somehub.settings import *  # noqa: F403

ROOT_URLCONF = "scripts.benchsite.urls"
