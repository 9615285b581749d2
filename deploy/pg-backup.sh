#!/usr/bin/env bash
# A backup of the tracker's PostgreSQL database: `deploy/pg-backup.sh DIR [pg_dump options]`.
#
# Reads TRACKER_DATABASE_URL (as the app does), writes DIR/tracker-<UTC time>.dump in pg_dump's
# custom format (compressed; pg_restore can restore one table, or in parallel), checks that
# pg_restore can read it back, and prints its path. Old dumps are removed by KEEP_DAYS (default
# 35) if set to a number. Extra arguments go to pg_dump (the restore drill passes --snapshot).
# docs/backups.md describes the routine around it.
set -euo pipefail

dir="${1:?usage: pg-backup.sh DIR [pg_dump options]}"
shift
url="${TRACKER_DATABASE_URL:?TRACKER_DATABASE_URL is not set}"
# SQLAlchemy's driver name (postgresql+psycopg://) is not libpq's.
url="${url/postgresql+psycopg:/postgresql:}"
case "$url" in
  postgresql://* | postgres://*) ;;
  *) echo "pg-backup: TRACKER_DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac

mkdir -p "$dir"
umask 077  # a dump holds every patient's diary: readable by its owner only
target="$dir/tracker-$(date -u +%Y%m%dT%H%M%SZ).dump"
partial="$target.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --no-owner --no-privileges --dbname="$url" --file="$partial" "$@"
pg_restore --list "$partial" >/dev/null  # a truncated or corrupt file fails here, not on the day
mv "$partial" "$target"

if [[ "${KEEP_DAYS:-35}" =~ ^[0-9]+$ ]]; then
  find "$dir" -maxdepth 1 -name 'tracker-*.dump' -mtime +"${KEEP_DAYS:-35}" -delete
fi
echo "$target"
