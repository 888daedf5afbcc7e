"""Production settings for bad days: statement and connect timeouts, JSON logs on
stdout, optional Sentry. Each case starts Django in a fresh process with the
documented production environment."""

import importlib.util
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from scripts.prodserver import ROOT, production_env
from somehub.lib.logs import JsonFormatter

PRODUCTION = {
    "DJANGO_HTTPS": "1",
    "DJANGO_ALLOWED_HOSTS": "stammtisch.example.org",
    "SITE_URL": "https://stammtisch.example.org",
    "DATABASE_URL": "postgres://somehub@127.0.0.1:5432/somehub",
}


def settings_in_production(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() with production settings; returns the process."""
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=production_env(**{**PRODUCTION, **env}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def value_in_production(expression: str, **env: str) -> object:
    code = "import json; from django.conf import settings; print(json.dumps({}))"
    result = settings_in_production(code.format(expression), **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgres_gets_a_statement_and_a_connect_timeout() -> None:
    options = value_in_production('settings.DATABASES["default"]["OPTIONS"]')
    assert options["options"] == "-c statement_timeout=20000"
    assert options["connect_timeout"] == 5


def test_the_timeouts_come_from_the_environment_and_keep_other_options() -> None:
    options = value_in_production(
        'settings.DATABASES["default"]["OPTIONS"]',
        DATABASE_STATEMENT_TIMEOUT="5",
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_URL="postgres://somehub@127.0.0.1:5432/somehub?options=-c%20search_path%3Dpublic",
    )
    assert options["options"] == "-c search_path=public -c statement_timeout=5000"
    assert options["connect_timeout"] == 2
    off = value_in_production(
        'settings.DATABASES["default"]["OPTIONS"]', DATABASE_STATEMENT_TIMEOUT="0"
    )
    assert "options" not in off


def test_production_logs_are_json_lines_on_stdout() -> None:
    result = settings_in_production(
        "import logging; logging.getLogger('somehub.test').warning('Hallo %s', 'Welt')"
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["level"] == "warning"
    assert line["logger"] == "somehub.test"
    assert line["message"] == "Hallo Welt"
    assert "time" in line


def test_a_wrong_log_format_stops_the_start() -> None:
    result = settings_in_production("", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr


def test_the_json_formatter_adds_the_request_and_the_error() -> None:
    request = RequestFactory().get("/events/?token=secret")
    try:
        raise ValueError("kaputt")
    except ValueError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/events/",),
            sys.exc_info(),
            extra={"status_code": 500, "request": request},
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["status"] == 500
    assert line["method"] == "GET"
    assert line["path"] == "/events/"  # never the query string: it may hold tokens
    assert line["exc_type"] == "ValueError"
    assert "kaputt" in line["traceback"]
    assert "secret" not in json.dumps(line)


def test_sentry_is_not_loaded_without_a_dsn() -> None:
    result = settings_in_production("import sys; print('sentry_sdk' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_sentry_starts_with_a_dsn_and_sends_no_personal_data(tmp_path: Path) -> None:
    fake = tmp_path / "sentry_sdk"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "calls = []\ndef init(**kwargs):\n    calls.append(kwargs)\n"
    )
    result = settings_in_production(
        "import json, sentry_sdk; print(json.dumps(sentry_sdk.calls))",
        SENTRY_DSN="https://key@sentry.example/1",
        PYTHONPATH=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    (call,) = json.loads(result.stdout.strip().splitlines()[-1])
    assert call["dsn"] == "https://key@sentry.example/1"
    assert call["send_default_pii"] is False


def test_a_dsn_without_sentry_installed_stops_the_start() -> None:
    if importlib.util.find_spec("sentry_sdk") is not None:
        pytest.skip("sentry-sdk is installed here")
    result = settings_in_production("", SENTRY_DSN="https://key@sentry.example/1")
    assert result.returncode != 0
    assert "sentry-sdk is not installed" in result.stderr
