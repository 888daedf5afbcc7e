"""`manage.py check --deploy`: what production needs beyond Django's own checks."""

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Every worker must see the same cache: sessions are read through it, the
    rate limits count in it, and the page cache keeps its generation there."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not backend.endswith(("LocMemCache", "DummyCache")):
        return []
    return [
        Warning(
            "The cache is kept in each process's own memory.",
            hint=(
                "Set CACHE_URL=redis://127.0.0.1:6379/1: with more than one "
                "gunicorn worker, rate limits count per worker, a logged-out "
                "session lingers in the others, and the page cache stays off."
            ),
            id="somehub.W001",
        )
    ]
