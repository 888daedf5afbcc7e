"""SoMeHub settings: one module, read from the environment (django-environ).

Development needs nothing set; production refuses to start without a secret key.
See README.md, "Running it for real", for every variable.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from somehub.lib.config import mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]
)
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name hosts, not '*'.")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "#SoMe Stammtisch Hannover"

INSTALLED_APPS = [
    "core",
    "accounts",
    "events",
    "impulses",
    # Django's admin, whose lists answer a bad date filter with ?e=1 (core/admin.py).
    "core.apps.OrgaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /healthz answers here, before sessions and cookies (core/health.py).
    "core.health.HealthCheckMiddleware",
    # A database outage or timeout gives the 503 page, not a traceback.
    "core.health.DatabaseOutageMiddleware",
    # A NUL in a URL or search box is a 400, never a database error.
    "core.health.RejectNulMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Visitors' pages kept in the shared cache are served here, before sessions,
    # language and CSRF are looked at (core/pagecache.py).
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Links to the old WordPress blog lead to the imported recaps (a 404 first).
    "events.redirects.OldBlogRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A used-up rate limit on a member's write is the 429 page (accounts.limits).
    "accounts.middleware.RateLimitMiddleware",
    # A GET on a URL that takes only POST gets a page that leads back (not a blank).
    # Last, so that the headers above (CSP, frame options) are added to that page.
    "core.middleware.FriendlyMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "somehub.urls"
WSGI_APPLICATION = "somehub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# Database: Postgres is the reference; an SQLite file under var/ is the embedded
# default so that `make run` needs nothing installed.
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'somehub.sqlite3'}"
    )
}
if "DATABASE_URL" not in os.environ:
    # A fresh clone has no var/ yet; any manage.py command may open the file.
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if "postgresql" in DATABASES["default"]["ENGINE"]:
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    # A database that does not answer must not hold a worker for long: give up
    # connecting after a few seconds, and stop any statement before gunicorn's
    # timeout (30 s), so that the visitor gets the 503 page (core/health.py).
    _db_options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", 5))
    _statement_timeout = env.int("DATABASE_STATEMENT_TIMEOUT", default=20)
    if _statement_timeout > 0:
        _db_options["options"] = " ".join(
            filter(
                None,
                [
                    _db_options.get("options", ""),
                    f"-c statement_timeout={_statement_timeout * 1000}",
                ],
            )
        )
    # Parameters travel apart from the statement, so that psycopg can prepare a
    # statement from its second use on a connection: PostgreSQL then plans it once
    # instead of for every request (members' pages: 10-16 % more requests per
    # second in `make bench`). Behind PgBouncer before 1.21 in transaction mode,
    # which cannot keep prepared statements, set DJANGO_DB_SERVER_BINDING=0.
    if env.bool("DJANGO_DB_SERVER_BINDING", default=True):
        _db_options["server_side_binding"] = True
        _db_options["prepare_threshold"] = 2
# Persistent connections (above) are the default: one per worker thread. Measured
# side by side with `make bench`'s set-up, they beat psycopg's pool on the one-query
# baseline (1,471 vs 1,261 req/s) and tie on members' pages. DJANGO_DB_POOL=1
# switches to the pool, e.g. for many threads sharing few Postgres connections.
if env.bool("DJANGO_DB_POOL", default=False):
    if "postgresql" not in DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DJANGO_DB_POOL needs a PostgreSQL DATABASE_URL.")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DJANGO_DB_POOL_SIZE", default=4),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://somehub")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's, giving up within 0.1 s and answering "nothing" while Redis is away
    # (somehub/lib/rediscache.py).
    CACHES["default"]["BACKEND"] = "somehub.lib.rediscache.RedisCache"
# Several sites (or test runs) may share one Redis.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="somehub")
# Whole pages for visitors who are not logged in come from the cache until any of
# their data changes (core/pagecache.py). The cache must be shared by all workers
# for that, so it is on by default only with one (Redis), and off in development,
# where templates change under it.
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
PAGE_CACHE = env.bool("SOMEHUB_PAGE_CACHE", default=_SHARED_CACHE and not DEBUG)
PAGE_CACHE_SECONDS = env.int("SOMEHUB_PAGE_CACHE_SECONDS", default=300)
# What the running code is called; the same on every server of one deploy. Cached
# pages of one release are never served by another. Empty: a hash of the code.
RELEASE = env.str("SOMEHUB_RELEASE", default="")
# A write to any table of these apps ends every cached page and every value kept for
# a generation: members and their profiles, e-mail addresses (allauth's "account"),
# groups and permissions ("auth"), and the site's content.
PAGE_CACHE_WATCHED_APPS = ["accounts", "account", "auth", "events", "impulses"]
# ... except for models no page shows, written also by visitors (a login-code
# request counts a use, an RSVP by e-mail waits for its code): those writes must not
# let anyone keep the site uncached.
PAGE_CACHE_UNSHOWN_MODELS = ["accounts.UsageCounter", "events.PendingRSVP"]
# Functions naming the next moment pages change by themselves (an evening starts).
PAGE_CACHE_SCHEDULE = ["events.models.schedule.next_scheduled_change"]
# Sessions live in the database only: logins keep working while the cache is away,
# and a logout can never be undone by a cache that missed the delete.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# E-mail through Django 6.1's MAILERS: console in development, SMTP on localhost in
# production, anything else through EMAIL_URL (smtp://, filemail://PATH, ...).
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    _mailer = mailer_from_url(_email_url, BASE_DIR)
elif DEBUG:
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    _mailer = mailer_from_url("smtp://localhost:25", BASE_DIR)
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="#SoMe Stammtisch Hannover <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (e-mails) through django.tasks: run at once unless configured.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django.tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# `db_worker` queues a task again when it has been RUNNING this long (seconds): its
# worker died. Far above any task's run time, so a live worker's task is not taken.
TASKS_RECLAIM_AFTER = env.int("TASKS_RECLAIM_AFTER", default=600)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # ModelBackend reading own and group permissions in one query.
    "accounts.backends.MemberBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + name}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "events:home"

# django-allauth: the e-mail address is the login; no usernames anywhere.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
# The password is optional: members without one log in with an e-mailed code.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1", "password2"]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "confirm_login_code": "accounts.forms.ConfirmLoginCodeForm",
}
# allauth's rate limits (kept in the cache) stay on; these are its defaults, spelled
# out so that nobody switches them off by accident.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "confirm_email": "1/180s/key",
    # "I'm coming" by e-mail on an event page (events/views/rsvp_by_email.py): a
    # few codes per address, so that nobody can flood someone's inbox with them.
    "rsvp_by_email": "10/h/ip,3/15m/key",
    # The contact form to the Orga-Team (events/views/contact.py): a few messages
    # per visitor, so that nobody can fill the organizers' inboxes with it.
    "contact": "5/h/ip,3/h/key",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# One prefix on every e-mail the site sends (somehub/lib/subject.py), allauth's too.
EMAIL_SUBJECT_PREFIX = "[#SoMeH] "
ACCOUNT_EMAIL_SUBJECT_PREFIX = EMAIL_SUBJECT_PREFIX
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"

# Internationalisation: German first, English second.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(
    env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Files with a content hash in their name are cached for ten years ("immutable",
# whitenoise decides that by itself); the few without one (favicon.ico) for a day,
# so that a new one reaches browsers.
WHITENOISE_MAX_AGE = 0 if DEBUG else 86400
# Development serves static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: photos up to 5 MB go through memory; the rest of a request stays small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 5_242_880
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# A strict Content Security Policy: nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# Media on S3-compatible object storage (django-storages) when a bucket is named:
# several app servers then share the uploaded photos. Otherwise: local disk.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _endpoint = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    _region = env.str("AWS_S3_REGION_NAME", default="") or None
    _domain = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": _endpoint,
            "region_name": _region,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "custom_domain": _domain,
            # Photos are public and never change under their random names.
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "default_acl": None,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000"},
        },
    }
    # The photos come from the bucket's host: allow exactly that one for images.
    if _domain:
        _media_origin = f"https://{_domain}"
    elif _endpoint:
        _parts = urlsplit(_endpoint)
        _media_origin = f"{_parts.scheme}://{_parts.netloc}"
    else:
        _media_origin = f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    SECURE_CSP["img-src"] = [*SECURE_CSP["img-src"], _media_origin]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
# Load balancers call the health check on plain http (core/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind nginx every request comes from 127.0.0.1: allauth's per-address rate
    # limits (logins, sign-ups, codes) must count the visitor's address, the one the
    # proxy appends to X-Forwarded-For, or one attacker would lock everyone out.
    # Two proxies (a load balancer in front of nginx) need 2.
    ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=1)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/").strip("/") + "/"

# Bare domains in member text ("www.example.org") become https links (Django 2028's
# default, chosen now).
URLIZE_ASSUME_HTTPS = True

# Logs go to stdout: one JSON object per line in production (LOG_FORMAT=json), for
# the journal or a platform to index; readable lines in development.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "somehub.lib.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Error reports to Sentry, only when a DSN is set; sentry-sdk is not a requirement,
# so an operator who wants it installs it (`pip install sentry-sdk`).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    try:
        import sentry_sdk
    except ImportError as exc:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set, but sentry-sdk is not installed: "
            "`pip install sentry-sdk` or unset SENTRY_DSN."
        ) from exc
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        # Members' addresses, IPs and cookies stay here (DSGVO).
        send_default_pii=False,
    )
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
