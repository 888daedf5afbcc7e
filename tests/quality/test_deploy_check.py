"""`manage.py check --deploy` is clean with the documented production environment."""

import subprocess
import sys
from pathlib import Path

from scripts.prodserver import ROOT, production_env
from tests.redis_server import private_redis

PRODUCTION = {
    "DJANGO_HTTPS": "1",
    "DJANGO_ALLOWED_HOSTS": "stammtisch.example.org",
    "SITE_URL": "https://stammtisch.example.org",
    "DATABASE_URL": "postgres://somehub@127.0.0.1:5432/somehub",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.org:587",
}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_has_no_warnings_in_production_mode(tmp_path: Path) -> None:
    # Redis as the README configures it: a memory limit, evicting old entries.
    with private_redis(
        tmp_path, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"
    ) as redis:
        result = check_deploy({**PRODUCTION, "CACHE_URL": redis.url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_about_a_redis_that_can_fill_up(tmp_path: Path) -> None:
    with private_redis(tmp_path) as redis:
        result = check_deploy({**PRODUCTION, "CACHE_URL": redis.url})
    assert result.returncode != 0
    assert "somehub.W003" in result.stdout + result.stderr
    assert "maxmemory-policy allkeys-lru" in result.stdout + result.stderr
    with private_redis(
        tmp_path, "--maxmemory", "64mb", "--maxmemory-policy", "noeviction"
    ) as redis:
        result = check_deploy({**PRODUCTION, "CACHE_URL": redis.url})
    assert "somehub.W004" in result.stdout + result.stderr


def test_check_deploy_warns_without_a_shared_cache() -> None:
    env = {name: value for name, value in PRODUCTION.items() if name != "CACHE_URL"}
    result = check_deploy(env)
    assert result.returncode != 0
    assert "somehub.W001" in result.stdout + result.stderr
    assert "CACHE_URL=redis://" in result.stdout + result.stderr
