"""Settings come from the environment and fail loudly when they are wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from somehub.lib.config import mailer_from_url

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with exactly this environment."""
    return show_settings(
        "settings.DEBUG, settings.MAILERS['default']['BACKEND'], "
        "settings.CACHES['default']['BACKEND'], "
        "settings.DATABASES['default']['ENGINE']",
        **env,
    )


def show_settings(expression: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Print `expression` after loading the settings in a fresh interpreter with
    exactly this environment."""
    code = (
        "import django; from django.conf import settings; django.setup(); "
        f"print({expression})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def clean_environment(**env: str) -> dict[str, str]:
    """This machine's environment without any SoMeHub setting, plus `env`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SOMEHUB_")) and not k.endswith("_URL")
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "somehub.settings"})
    clean.update(env)
    return clean


def test_production_refuses_to_start_without_secret_key():
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_defaults_to_smtp_on_localhost():
    result = load_settings(DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.core.mail.backends.smtp.EmailBackend",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.db.backends.sqlite3",
    ]


def test_debug_uses_console_mail_and_needs_no_secret():
    result = load_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "console.EmailBackend" in result.stdout


def test_wildcard_allowed_hosts_are_refused():
    result = load_settings(DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="*")
    assert result.returncode != 0
    assert "must name hosts" in result.stderr


def test_redis_cache_and_postgres_urls_are_understood():
    result = load_settings(
        DJANGO_DEBUG="1",
        CACHE_URL="redis://127.0.0.1:6379/1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/somehub",
    )
    assert result.returncode == 0, result.stderr
    assert "RedisCache" in result.stdout and "postgresql" in result.stdout


def test_filemail_keeps_absolute_and_relative_paths(tmp_path):
    absolute = mailer_from_url(f"filemail://{tmp_path}/mails", ROOT)
    assert absolute["BACKEND"].endswith("filebased.EmailBackend")
    assert absolute["OPTIONS"] == {"file_path": f"{tmp_path}/mails"}
    relative = mailer_from_url("filemail://var/mail", ROOT)
    assert relative["OPTIONS"] == {"file_path": str(ROOT / "var" / "mail")}


def test_smtp_url_with_credentials_and_tls():
    mailer = mailer_from_url("smtp+tls://user%40x.de:p%2Fw@mail.example.org:587", ROOT)
    options = mailer["OPTIONS"]
    assert options["host"] == "mail.example.org"
    assert options["port"] == 587
    assert options["username"] == "user@x.de"
    assert options["password"] == "p/w"
    assert options["use_tls"] is True and options["use_ssl"] is False


def test_unknown_email_scheme_fails_loudly():
    with pytest.raises(ImproperlyConfigured):
        mailer_from_url("pigeon://coop", ROOT)


def test_filemail_from_environment_delivers_mail(tmp_path):
    code = (
        "import django; django.setup(); from django.core import mail; "
        "mail.send_mail('Hallo', 'Text', 'a@example.org', ['b@example.org'])"
    )
    env = clean_environment(DJANGO_DEBUG="1", EMAIL_URL=f"filemail://{tmp_path}")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    (mail_file,) = tmp_path.iterdir()
    assert "Subject: Hallo" in mail_file.read_text()


def test_media_go_to_s3_compatible_storage_when_a_bucket_is_named():
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; "
        "from django.core.files.storage import default_storage as s; "
        "s.bucket_name; "  # evaluates the lazy storage
        "print(type(s._wrapped).__name__, s.bucket_name, s.endpoint_url, "
        "s.querystring_auth, settings.SECURE_CSP['img-src'][-1])"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SOMEHUB_", "AWS_")) and not k.endswith("_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="somehub.settings",
        DJANGO_DEBUG="1",
        AWS_STORAGE_BUCKET_NAME="somehub-media",
        AWS_S3_ENDPOINT_URL="https://s3.example-objects.eu:9000",
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3Storage",
        "somehub-media",
        "https://s3.example-objects.eu:9000",
        "False",
        "https://s3.example-objects.eu:9000",
    ]


def test_media_stay_on_local_disk_without_a_bucket():
    from django.conf import settings

    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def test_postgres_statements_are_prepared_once_per_connection(db):
    """Parameters are bound on the server, so a statement used again on a
    connection is prepared: PostgreSQL plans it once, not for every request."""
    from django.db import connection

    from accounts.models import User

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert connection.features.uses_server_side_binding
    for pk in (1, 2, 3):
        User.objects.filter(pk=pk).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_user" WHERE "accounts_user"."id" = $_ LIMIT 1'],
        )
        assert cursor.fetchone()[0] == 1


def test_server_side_binding_can_be_turned_off_for_old_pgbouncer():
    postgres = {
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/somehub",
    }
    option = "settings.DATABASES['default']['OPTIONS'].get('server_side_binding')"
    for value, expected in ((None, "True"), ("0", "None"), ("1", "True")):
        env = dict(postgres, **({"DJANGO_DB_SERVER_BINDING": value} if value else {}))
        result = show_settings(option, **env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
