"""The page cache is off in the rest of the suite; these tests switch it on."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from somehub.lib import pagecache


@pytest.fixture
def page_cache(settings) -> Iterator[None]:
    """The page cache as in production, starting empty."""
    settings.PAGE_CACHE = True
    cache.clear()
    pagecache._local.clear()
    pagecache._forget_seen()
    yield
    cache.clear()
    pagecache._local.clear()
    pagecache._forget_seen()
