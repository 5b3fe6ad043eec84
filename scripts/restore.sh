#!/usr/bin/env bash
# Restores the Kenangan database from a backup (docs/operations/runbook.md, "Restore").
#
#   scripts/restore.sh FILE [--skip-confirm] [--no-emergency-backup] [--health-url URL] [--force]
#
# FILE: a backup from scripts/backup.sh (restaurant_backup_*.dump.gz or latest.dump.gz), a
# gzip'd plain `pg_dump` (the guide's emergency command), or a custom-format (-Fc) dump,
# gzip'd or not.
#
# 1. checks the file (gzip intact, dump complete) and shows what it holds;
# 2. asks the operator to type RESTORE (unless --skip-confirm);
# 3. takes an emergency backup of the current database (scripts/backup.sh emergency, into
#    ${BACKUP_DIR:-/backups}/emergency/) unless --no-emergency-backup;
# 4. in ONE transaction: drops and recreates the public schema, loads the dump, and bumps
#    event_counter.epoch past both the old and the restored value, so connected screens take a
#    fresh snapshot instead of replaying events across the restore. If anything fails the
#    transaction rolls back and the database is exactly as it was;
# 5. verifies: every table of the dump present, every row count equal to the dump's, the
#    event log continuous (seq min..max with no hole, max = event_counter.seq), no failed
#    migration, and the server's health green when --health-url (or HEALTH_URL) is given;
# 6. prints what it restored.
#
# Production: stop the backend first (docker compose -f docker-compose.prod.yml stop backend),
# start it again afterwards. Exit status 0 when restored and verified, 1 otherwise, 2 for a
# usage error. Same settings and database access as scripts/backup.sh (scripts/lib/ops.sh).
set -Eeuo pipefail

OPS_NAME=restore
# shellcheck source=scripts/lib/ops.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ops.sh"

usage() {
  echo "usage: $0 FILE [--skip-confirm] [--no-emergency-backup] [--health-url URL] [--force]" >&2
  exit 2
}

file=""
confirm=true
emergency=true
force=false
health_url=${HEALTH_URL:-}
while [ $# -gt 0 ]; do
  case $1 in
    --skip-confirm) confirm=false ;;
    --no-emergency-backup) emergency=false ;;
    --force) force=true ;;
    --health-url)
      [ $# -ge 2 ] || usage
      health_url=$2
      shift
      ;;
    --health-url=*) health_url=${1#*=} ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *)
      [ -z "$file" ] || usage
      file=$1
      ;;
  esac
  shift
done
[ -n "$file" ] || usage

ops_init
ops_open_log
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

die() {
  trap - ERR
  ops_log_err "RESTORE FAILED: $*"
  exit 1
}
trap 'die "unexpected error (line $LINENO: $BASH_COMMAND)"' ERR

[ -e "$file" ] || die "no such file: $file"
[ -r "$file" ] || die "cannot read $file"
real=$(readlink -f -- "$file")
ops_log "restore requested from $file${real:+ ($real)} into $(ops_target)"

# --- 1. Read the backup ------------------------------------------------------------------
if gzip -t -- "$real" 2>/dev/null; then
  decompress=(gzip -cd --)
elif [ "$(head -c 2 -- "$real" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then
  die "$file is a damaged gzip file (gzip -t fails): pick another backup"
else
  decompress=(cat --)
fi
magic=$("${decompress[@]}" "$real" 2>/dev/null | head -c 5 || true)
sql=$work/restore.sql
if [ "$magic" = PGDMP ]; then
  "${decompress[@]}" "$real" | ops_pg_restore_sql >"$sql" 2>"$work/pg_restore.err" \
    || die "pg_restore cannot read $file: $(tail -n 3 "$work/pg_restore.err" | tr '\n' ' ')"
else
  "${decompress[@]}" "$real" >"$sql"
fi
[[ $(tail -n 5 "$sql") == *"PostgreSQL database dump complete"* ]] \
  || die "$file is not a complete pg_dump (no 'dump complete' marker at its end): it may be truncated"

# Tables and row counts the dump holds.
sed -nE 's/^CREATE TABLE public\.([^ (]+).*/\1/p' "$sql" | LC_ALL=C sort -u >"$work/tables.expected"
awk '
  /^COPY public\./ { t = $2; sub(/^public\./, "", t); n = 0; inside = 1; next }
  inside && /^\\\.$/ { print t, n; inside = 0; next }
  inside { n++ }
' "$sql" | LC_ALL=C sort >"$work/rows.expected"
table_count=$(wc -l <"$work/tables.expected" | tr -d ' ')
[ "$table_count" -gt 0 ] || die "$file holds no tables"
for t in users events event_counter orders; do
  grep -qx "$t" "$work/tables.expected" || die "$file is not a Kenangan backup (no table '$t')"
done
dumped_from=$(sed -nE 's/^-- Dumped from database version (.*)/\1/p' "$sql" | head -n 1)
event_rows=$(awk '$1 == "events" { print $2 }' "$work/rows.expected")
order_rows=$(awk '$1 == "orders" { print $2 }' "$work/rows.expected")

echo
echo "  Backup file : $real ($(du -h -- "$real" | cut -f1), modified $(date -r "$real" '+%Y-%m-%d %H:%M'))"
echo "  Dumped from : PostgreSQL ${dumped_from:-?}"
echo "  Holds       : $table_count tables, ${order_rows:-0} orders, ${event_rows:-0} events"
echo "  Target      : $(ops_target)"
echo "  THIS REPLACES EVERYTHING IN THE TARGET DATABASE."
echo

# Refuse to restore under a running backend (its writes would be lost and its hub confused).
if [ "$OPS_MODE" = docker ] && ! $force; then
  cid=$(ops_compose ps -q backend 2>/dev/null || true)
  if [ -n "$cid" ] && [ "$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null || true)" = true ]; then
    die "the backend is running. Stop it first: docker compose -f docker-compose.prod.yml stop backend (or pass --force)"
  fi
fi

# --- 2. Confirm ----------------------------------------------------------------------------
if $confirm; then
  printf 'Type RESTORE to continue: '
  answer=""
  read -r answer || true
  if [ "$answer" != RESTORE ]; then
    ops_log "restore cancelled (the operator typed '${answer}', not RESTORE); nothing changed"
    exit 1
  fi
fi

# --- 3. Emergency backup of what is there now ---------------------------------------------
old_epoch=$(ops_psql -Atqc "SELECT epoch FROM public.event_counter" 2>/dev/null | head -n 1 || true)
[[ $old_epoch =~ ^[0-9]+$ ]] || old_epoch=0
emergency_file=""
if $emergency; then
  ops_log "taking an emergency backup of the current database first"
  if ! "$OPS_PROJECT_DIR/scripts/backup.sh" emergency; then
    die "the emergency backup failed (see above); nothing was restored. Fix it, or re-run with --no-emergency-backup to restore without one"
  fi
  emergency_file=$(readlink -f -- "${BACKUP_DIR:-/backups}/emergency/latest.dump.gz")
else
  ops_log "no emergency backup (--no-emergency-backup)"
fi

# --- 4. Restore, in one transaction ---------------------------------------------------------
ops_log "restoring $real ..."
started=$(date +%s)
{
  printf 'SET client_min_messages = warning;\n'
  printf 'DROP SCHEMA IF EXISTS public CASCADE;\n'
  printf 'CREATE SCHEMA public;\n'
  printf 'GRANT USAGE ON SCHEMA public TO PUBLIC;\n'
  cat "$sql"
  printf '\n-- Screens must resnapshot, not replay across the restore.\n'
  printf 'UPDATE public.event_counter SET epoch = GREATEST(epoch, %s) + 1;\n' "$old_epoch"
} | ops_psql --single-transaction -q >"$work/psql.out" 2>"$work/psql.err" \
  || die "loading the dump failed, the transaction was rolled back and the database is as it was before. psql said: $(grep -m 3 -E 'ERROR|FATAL|error' "$work/psql.err" | tr '\n' ' ')"
ops_log "dump loaded in $(($(date +%s) - started)) s; verifying"

# --- 5. Verify ------------------------------------------------------------------------------
problems=()
ops_psql -Atqc "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" \
  | LC_ALL=C sort -u >"$work/tables.actual"
missing=$(LC_ALL=C comm -23 "$work/tables.expected" "$work/tables.actual" | tr '\n' ' ')
[ -z "$missing" ] || problems+=("tables missing after restore: $missing")

if [ -s "$work/rows.expected" ]; then
  query=""
  while read -r t _; do
    query+="${query:+ UNION ALL }SELECT '$t', count(*) FROM public.$t"
  done <"$work/rows.expected"
  ops_psql -AtqF ' ' -c "$query" | LC_ALL=C sort >"$work/rows.actual"
  if ! diff -q "$work/rows.expected" "$work/rows.actual" >/dev/null; then
    problems+=("row counts differ from the backup: $(diff "$work/rows.expected" "$work/rows.actual" | grep '^[<>]' | tr '\n' ' ')")
  fi
fi

read -r ev_count ev_min ev_max counter_seq new_epoch failed_migrations < <(ops_psql -AtqF ' ' -c "
  SELECT (SELECT count(*) FROM public.events),
         (SELECT coalesce(min(seq), 0) FROM public.events),
         (SELECT coalesce(max(seq), 0) FROM public.events),
         (SELECT seq FROM public.event_counter),
         (SELECT epoch FROM public.event_counter),
         (SELECT count(*) FROM public._sqlx_migrations WHERE NOT success)")
if [ "$ev_count" -gt 0 ]; then
  [ $((ev_max - ev_min + 1)) -eq "$ev_count" ] \
    || problems+=("the event log has holes: $ev_count events between seq $ev_min and $ev_max")
  [ "$ev_max" -eq "$counter_seq" ] \
    || problems+=("event_counter.seq is $counter_seq but the last event is $ev_max")
fi
[ "$new_epoch" -gt "$old_epoch" ] || problems+=("event_counter.epoch was not bumped ($old_epoch -> $new_epoch)")
[ "$failed_migrations" -eq 0 ] || problems+=("$failed_migrations failed migration(s) recorded in _sqlx_migrations")

health="not checked"
if [ -n "$health_url" ]; then
  body=$(curl -fsS --max-time 10 "$health_url" 2>"$work/curl.err" || true)
  if [[ $body == *'"status":"healthy"'* && $body == *'"database":"connected"'* ]]; then
    health="green ($health_url)"
  else
    problems+=("the server's health check at $health_url is not green: ${body:-$(tr '\n' ' ' <"$work/curl.err")}")
  fi
fi

# --- 6. Report ----------------------------------------------------------------------------
echo
echo "Restored $real"
echo "  into        : $(ops_target)"
echo "  tables      : $(wc -l <"$work/tables.actual" | tr -d ' ') present"
if [ -s "$work/rows.actual" ]; then
  echo "  rows        :"
  while read -r t n; do printf '    %-22s %s\n' "$t" "$n"; done <"$work/rows.actual"
fi
if [ "$ev_count" -gt 0 ]; then
  echo "  event log   : $ev_count events, seq $ev_min..$ev_max, continuous; event_counter.seq = $counter_seq"
else
  echo "  event log   : empty; event_counter.seq = $counter_seq"
fi
echo "  epoch       : $old_epoch -> $new_epoch (connected screens take a fresh snapshot)"
echo "  health      : $health"
[ -n "$emergency_file" ] && echo "  previous db : saved first in $emergency_file"
echo

if [ "${#problems[@]}" -gt 0 ]; then
  for p in "${problems[@]}"; do ops_log_err "VERIFY FAILED: $p"; done
  ops_log_err "RESTORE FAILED verification${emergency_file:+; the database as it was before is in $emergency_file}"
  exit 1
fi
ops_log "restore OK: $real ($table_count tables, ${order_rows:-0} orders, $ev_count events, epoch $new_epoch)"
if [ "$OPS_MODE" = docker ] && [ -z "$health_url" ]; then
  echo "Next: docker compose -f docker-compose.prod.yml start backend"
  echo "      curl http://localhost:8080/api/v1/health"
fi
