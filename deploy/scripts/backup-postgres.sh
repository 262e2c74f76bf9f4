#!/usr/bin/env bash
# A consistent PostgreSQL dump (custom format, compressed) from the running stack into ./backups/, keeping the
# newest KEEP (default 14). Restore: deploy/scripts/backup-postgres.sh --restore backups/<file>.dump
# Run it from cron, e.g.: 17 3 * * * /srv/sightsearch/deploy/scripts/backup-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
compose=(docker compose -f docker-compose.yml -f docker-compose.prod.yml)
# pg_dump inside the container: no published port needed, and its version always matches the server's.
pg=(--username "$(sed -n 's/^POSTGRES_USER=//p' .env | grep . || echo sightsearch)")
db="$(sed -n 's/^POSTGRES_DB=//p' .env | grep . || echo sightsearch)"

if [ "${1:-}" = "--restore" ]; then
  dump="${2:?give the dump file to restore}"
  echo "restoring ${dump} into ${db} (existing objects are replaced)"
  "${compose[@]}" exec -T postgres pg_restore "${pg[@]}" --dbname "${db}" --clean --if-exists --no-owner < "${dump}"
  exit 0
fi

mkdir -p backups
file="backups/sightsearch-$(date -u +%Y%m%dT%H%M%SZ).dump"
"${compose[@]}" exec -T postgres pg_dump "${pg[@]}" --format custom --dbname "${db}" > "${file}.partial"
mv "${file}.partial" "${file}"
echo "wrote ${file} ($(du -h "${file}" | cut -f1))"
# The names sort by time; drop all but the newest KEEP.
find backups -name 'sightsearch-*.dump' | sort -r | tail -n "+$((${KEEP:-14} + 1))" | xargs -r rm --
