"""Fixtures for the accounts tests: a clean cache, a private media folder, images."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from PIL import Image


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    """allauth keeps its rate-limit counters in the cache: start every test at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def image_bytes(
    size: tuple[int, int] = (300, 200),
    fmt: str = "JPEG",
    color: str = "red",
    **save_args: Any,
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save_args)
    return buffer.getvalue()


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def client() -> Any:
    """Pages in English, so that assertions do not depend on the German catalogue."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})


@pytest.fixture
def legal_pages(db: None) -> None:
    """The seeded Impressum and privacy page (a browser test's flush removes them)."""
    import importlib

    from django.apps import apps

    seed = importlib.import_module("accounts.migrations.0003_seed_legal_pages")
    seed.seed_legal_pages(apps, None)
