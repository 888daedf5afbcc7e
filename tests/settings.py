"""The test suite's settings: production's own module, read from the environment as
in production, plus the little that only tests need.

Pages are tested as production serves them: Redis is the cache and the page cache is
on (core/pagecache.py). Each test run has a key prefix of its own, so runs on the
same Redis never meet; tests/conftest.py empties it after every test.
"""

import os

for _name, _value in {
    # Not a secret: tests only.
    "DJANGO_SECRET_KEY": "tests-only-" + "x" * 40,
    "DJANGO_HTTPS": "0",
    "LOG_FORMAT": "plain",
    "CACHE_URL": "redis://127.0.0.1:6379/2",
    "SOMEHUB_PAGE_CACHE": "1",
}.items():
    os.environ.setdefault(_name, _value)
# Servers a test starts inherit it, and so share this run's cache.
os.environ.setdefault("CACHE_KEY_PREFIX", f"test{os.getpid()}")

from somehub.settings import *  # noqa: E402, F403
from somehub.settings import STORAGES  # noqa: E402

# Hashing strength is not under test; speed is.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files straight from the source folders, without collectstatic.
STORAGES["staticfiles"]["BACKEND"] = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
