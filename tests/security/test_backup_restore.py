"""The backup round trip: scripts/backup.sh dumps a populated database and the photos,
scripts/restore.sh brings them back into a fresh database, row for row."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from accounts.models import Profile
from events.models import RSVP, Comment, RecapStatus
from somehub.lib.images import open_upload
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event
from tests.security.test_uploads import jpeg_with_gps, upload

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
# The tables a member would miss most, compared column by column.
KEY_TABLES = ["accounts_profile", "events_rsvp", "events_comment", "accounts_user"]


def database_url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{s['USER']}{password}@{host}/{name}"


def admin_connection() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with admin_connection() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with admin_connection() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


def rows(dbname: str, table: str) -> list[tuple]:
    with psycopg.connect(database_url(dbname)) as conn:
        query = sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier(table))
        return conn.execute(query).fetchall()


def tables(dbname: str) -> list[str]:
    with psycopg.connect(database_url(dbname)) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def populate(make_event, organizer, tmp_path: Path) -> None:
    """Members with profiles and a photo, RSVPs (going and waiting), comments."""
    event = make_event(capacity=2)
    members = [
        make_user(f"m{n}@example.org", name=f"Mitglied {n} 🍻") for n in range(4)
    ]
    Profile.objects.filter(user__in=members).update(
        bio="Über mich: Recruiting, Zeilen\nund Umlaute äöü", organisation="Firma"
    )
    for member in members:
        event.rsvp(member)
    members[0].profile.replace_photo(
        open_upload(upload(jpeg_with_gps(), "p.jpg", "image/jpeg"))
    )
    recap = make_recap(
        past_event(make_event), author=organizer, status=RecapStatus.PUBLISHED
    )
    first = Comment.objects.create(recap=recap, author=members[1], body="Toller Abend!")
    Comment.objects.create(recap=recap, author=members[2], body="Ja! 👍", parent=first)
    assert RSVP.objects.filter(status="waiting").count() == 2


def test_backup_and_restore_bring_back_every_row_and_photo(
    make_event, organizer, tmp_path, settings, fresh_database: str
) -> None:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    populate(make_event, organizer, tmp_path)
    source = connection.settings_dict["NAME"]
    backups = tmp_path / "backups"

    made = run(
        "backup.sh",
        str(backups),
        DATABASE_URL=database_url(source),
        MEDIA_ROOT=str(media),
    ).stdout.split()
    dump, archive = Path(made[0]), Path(made[1])
    assert dump.stat().st_size > 0 and archive.stat().st_size > 0
    assert oct(dump.stat().st_mode & 0o777) == "0o600"  # members' data: owner only

    restored_media = tmp_path / "restored-media"
    run(
        "restore.sh",
        str(dump),
        str(archive),
        DATABASE_URL=database_url(fresh_database),
        MEDIA_ROOT=str(restored_media),
    )

    for table in KEY_TABLES:
        original = rows(source, table)
        assert original, table
        assert rows(fresh_database, table) == original, table
    assert tables(fresh_database) == tables(source)
    for table in tables(source):
        assert rows(fresh_database, table) == rows(source, table), table

    # The photos came back byte for byte.
    originals = sorted(p.relative_to(media) for p in media.rglob("*") if p.is_file())
    assert originals
    for relative in originals:
        assert (restored_media / relative).read_bytes() == (
            media / relative
        ).read_bytes()

    # The restored database is one the app can run on: sequences continue, and no
    # migration is missing.
    with psycopg.connect(database_url(fresh_database)) as conn:
        top = conn.execute("SELECT max(id) FROM events_comment").fetchone()[0]
        new_id = conn.execute("SELECT nextval('events_comment_id_seq')").fetchone()[0]
        assert new_id > top
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(fresh_database)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_restore_refuses_a_database_that_is_not_empty(
    tmp_path, fresh_database: str, make_event
) -> None:
    make_event()
    source = connection.settings_dict["NAME"]
    dump = Path(
        run(
            "backup.sh", str(tmp_path), DATABASE_URL=database_url(source)
        ).stdout.split()[0]
    )
    # Into the test database itself, which has tables: refused, nothing touched.
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "restore.sh"), str(dump)],
        env={**os.environ, "DATABASE_URL": database_url(source)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "not empty" in result.stderr


def test_backup_refuses_a_database_that_is_not_postgres(tmp_path) -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "backup.sh"), str(tmp_path)],
        env={**os.environ, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "postgres://" in result.stderr
