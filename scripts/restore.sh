#!/usr/bin/env bash
# Restore a SoMeHub backup made by scripts/backup.sh into a fresh database.
#
#   scripts/restore.sh DUMP [MEDIA_ARCHIVE]
#
# DATABASE_URL names the database to restore into; it must exist and be empty
# (createdb --owner somehub somehub). With RESTORE_CLEAN=1 an existing database is
# emptied first: everything in it is replaced by the backup. MEDIA_ROOT (default
# var/media) receives the photos. Afterwards run `manage.py migrate` (in case the
# code is newer than the backup; it also ends every cached page, which still
# shows the old data) and start the site.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
media="${MEDIA_ROOT:-$root/var/media}"

die() { echo "restore: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: scripts/restore.sh DUMP [MEDIA_ARCHIVE]"
dump="$1"
archive="${2:-}"
[ -f "$dump" ] || die "no such dump: $dump"
[ -z "$archive" ] || [ -f "$archive" ] || die "no such media archive: $archive"
: "${DATABASE_URL:?restore: set DATABASE_URL to the database to restore into}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) die "DATABASE_URL must be a postgres:// URL" ;;
esac

pg_tool() {
  command -v "$1" 2>/dev/null && return
  ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}
pg_restore="$(pg_tool pg_restore)"
psql="$(pg_tool psql)"
[ -n "$pg_restore" ] && [ -n "$psql" ] || die "pg_restore not found: apt-get install postgresql-client"

tables="$("$psql" --dbname="$DATABASE_URL" -tAc \
  "select count(*) from pg_tables where schemaname = 'public'")"
options=(--no-owner --no-privileges --exit-on-error --single-transaction)
if [ "$tables" != "0" ]; then
  [ "${RESTORE_CLEAN:-0}" = "1" ] || die "the database is not empty ($tables tables); restore into a fresh one, or set RESTORE_CLEAN=1 to replace it"
  options+=(--clean --if-exists)
fi

"$pg_restore" "${options[@]}" --dbname="$DATABASE_URL" "$dump"

if [ -n "$archive" ]; then
  mkdir -p "$media"
  tar -C "$media" -xzf "$archive"
fi
echo "restored $dump${archive:+ and $archive}"
