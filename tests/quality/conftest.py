"""Fixtures of the quality checks: demo data and every main page rendered once."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from tests.quality.pages import (
    ROLES,
    Demo,
    Target,
    build_demo,
    collect_targets,
    logged_in_client,
)

LANGUAGES = ("de", "en")


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path) -> Iterator[None]:
    """Demo photos go to a temporary folder, never to var/media; and what the demo
    left in the cache (sessions, counters, cached pages) is gone for the next test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


@pytest.fixture
def demo(db: None) -> Demo:
    return build_demo()


@pytest.fixture(scope="session")
def rendered_pages(
    django_db_setup: None, django_db_blocker, tmp_path_factory
) -> Iterator[list[Target]]:
    """Every main page for every role in German and English, rendered once per run.

    The demo data lives in one transaction that is rolled back afterwards; the
    HTML-validity, inline-code and header checks share this one rendering.
    """
    targets: list[Target] = []
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        demo = build_demo()
        for language in LANGUAGES:
            for role in ROLES:
                with translation.override(language):
                    client = logged_in_client(
                        demo, role, headers={"accept-language": language}
                    )
                    client.cookies["django_language"] = language
                    for target in collect_targets(demo, role, client):
                        target.label = f"{target.label} ({language})"
                        targets.append(target)
        transaction.set_rollback(True)
    cache.clear()
    yield targets
