"""Project-wide checks: migrations are complete and the system check is clean."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_pending_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_system_check_is_clean() -> None:
    call_command("check", fail_level="WARNING")


def test_make_run_database_migrates_and_seeds_on_sqlite(tmp_path) -> None:
    """`make run` uses the embedded SQLite default: every migration must run there."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        DJANGO_DEBUG="1",
        EMAIL_URL="dummymail://",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    for command in (["migrate", "--no-input"], ["seed_demo"], ["seed_impulses"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
