#!/usr/bin/env bash
# Back up SoMeHub: the PostgreSQL database (pg_dump, custom format) and the uploaded
# photos (a tar of MEDIA_ROOT). Safe to run while the site is up: pg_dump reads one
# consistent snapshot.
#
#   scripts/backup.sh [DESTINATION]        (default: $BACKUP_DIR, else var/backups)
#
# Reads DATABASE_URL (postgres://...) and MEDIA_ROOT (default var/media) from the
# environment; on a server: set -a; . /etc/somehub.env; set +a; scripts/backup.sh ...
# Writes somehub-<UTC time>.dump and somehub-<UTC time>-media.tar.gz, checks that the
# dump can be read back, and deletes backups older than BACKUP_KEEP_DAYS (default 30;
# 0 keeps everything). Restore with scripts/restore.sh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-${BACKUP_DIR:-$root/var/backups}}"
media="${MEDIA_ROOT:-$root/var/media}"
keep_days="${BACKUP_KEEP_DAYS:-30}"

die() { echo "backup: $*" >&2; exit 1; }

: "${DATABASE_URL:?backup: set DATABASE_URL (postgres://user:password@host:port/name)}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) die "DATABASE_URL must be a postgres:// URL; an SQLite file is backed up by copying it." ;;
esac

# The PostgreSQL client tools: on PATH, else Debian's versioned folder (newest).
pg_tool() {
  command -v "$1" 2>/dev/null && return
  ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}
pg_dump="$(pg_tool pg_dump)"
pg_restore="$(pg_tool pg_restore)"
[ -n "$pg_dump" ] && [ -n "$pg_restore" ] || die "pg_dump not found: apt-get install postgresql-client"

mkdir -p "$dest"
umask 077  # the dump holds members' data: readable by its owner only
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dump="$dest/somehub-$stamp.dump"
archive="$dest/somehub-$stamp-media.tar.gz"

# Written under a temporary name first, so that a half-written file never looks
# like a backup.
"$pg_dump" --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dump.part"
"$pg_restore" --list "$dump.part" >/dev/null || die "the dump cannot be read back"
mv "$dump.part" "$dump"

if [ -d "$media" ]; then
  tar -C "$media" -czf "$archive.part" .
else
  tar -czf "$archive.part" --files-from /dev/null  # no uploads yet: an empty archive
fi
mv "$archive.part" "$archive"

if [ "$keep_days" -gt 0 ]; then
  find "$dest" -maxdepth 1 -name 'somehub-*' -type f -mtime +"$keep_days" -delete
fi

echo "$dump"
echo "$archive"
