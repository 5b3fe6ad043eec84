#!/usr/bin/env bash
# Backs up the Kenangan database (docs/deployment.md, "Backups"; docs/operations/runbook.md).
#
#   scripts/backup.sh daily|weekly|monthly
#
# Writes ${BACKUP_DIR:-/backups}/<kind>/restaurant_backup_YYYYMMDD_HHMM.dump.gz (a gzip'd
# plain-SQL pg_dump, checked complete before it is kept), points <kind>/latest.dump.gz at it,
# keeps the newest 7 daily / 4 weekly / 3 monthly (BACKUP_KEEP_DAILY/WEEKLY/MONTHLY), copies it
# to s3://$S3_BUCKET/<kind>/ when S3_BUCKET is set (aws s3 cp --endpoint-url "$S3_ENDPOINT"),
# and logs to ${BACKUP_LOG:-/var/log/steak-kenangan/backup.log}.
#
# On any failure: a line starting "BACKUP FAILED" on stderr and in the log, an email when SMTP_*
# is configured, no partial file left behind, exit status 1 (2 for a usage error).
#
# Reaches PostgreSQL through `docker compose -f docker-compose.prod.yml exec -T postgres`, or
# directly when DATABASE_URL is set in the environment (see scripts/lib/ops.sh).
#
# Cron (crontab -e), 2:00 AM daily, plus weekly and monthly copies:
#   0 2 * * *  cd /var/docker/restaurant-pos && bash scripts/backup.sh daily
#   30 2 * * 0 cd /var/docker/restaurant-pos && bash scripts/backup.sh weekly
#   45 2 1 * * cd /var/docker/restaurant-pos && bash scripts/backup.sh monthly
set -Eeuo pipefail

OPS_NAME=backup
# shellcheck source=scripts/lib/ops.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ops.sh"

usage() {
  echo "usage: $0 daily|weekly|monthly" >&2
  exit 2
}

kind=${1:-}
[ $# -eq 1 ] || usage
ops_init
case $kind in
  daily) keep=${BACKUP_KEEP_DAILY:-7} ;;
  weekly) keep=${BACKUP_KEEP_WEEKLY:-4} ;;
  monthly) keep=${BACKUP_KEEP_MONTHLY:-3} ;;
  # Taken by scripts/restore.sh before it overwrites the database.
  emergency) keep=${BACKUP_KEEP_EMERGENCY:-10} ;;
  *) usage ;;
esac
[[ $keep =~ ^[1-9][0-9]*$ ]] || {
  echo "BACKUP FAILED ($kind): the number of $kind backups to keep must be a positive number, not '$keep'" >&2
  exit 1
}

ops_open_log
backup_dir=${BACKUP_DIR:-/backups}
dir=$backup_dir/$kind
tmp=""
work=$(mktemp -d)

fail() {
  trap - ERR
  local msg="BACKUP FAILED ($kind): $*"
  [ -n "$tmp" ] && rm -f -- "$tmp"
  ops_log_err "$msg"
  local host_name
  host_name=${HOSTNAME:-$(uname -n)}
  if [ -n "${SMTP_HOST:-}" ]; then
    local recent=""
    [ -n "$OPS_LOG_FILE" ] && recent=$(tail -n 20 "$OPS_LOG_FILE" 2>/dev/null || true)
    ops_send_mail "[Kenangan] BACKUP FAILED on $host_name ($kind)" \
      "$msg

Host: $host_name
Target: $(ops_target)
Backup directory: $dir
Log: ${OPS_LOG_FILE:-<none>}

Last log lines:
$recent

What to do: docs/operations/runbook.md, \"Backup failures\"." || true
  fi
  rm -rf -- "$work"
  exit 1
}
trap 'fail "unexpected error (line $LINENO: $BASH_COMMAND)"' ERR
trap 'rm -rf -- "$work"' EXIT

mkdir -p -- "$dir" 2>"$work/err" || fail "cannot create $dir: $(cat "$work/err")"
[ -w "$dir" ] || fail "cannot write to $dir (check its owner and permissions)"

# One backup at a time (a weekly and a daily started together wait for each other).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$backup_dir/.backup.lock" || fail "cannot open the lock file $backup_dir/.backup.lock"
  flock -w 900 9 || fail "another backup has held $backup_dir/.backup.lock for 15 minutes"
fi

if [ "$kind" = emergency ]; then
  stamp=$(date +%Y%m%d_%H%M%S)
else
  stamp=$(date +%Y%m%d_%H%M)
fi
name=restaurant_backup_${stamp}.dump.gz
final=$dir/$name
tmp=$dir/.$name.partial

ops_log "starting $kind backup of $(ops_target) to $final"
started=$(date +%s)

# pipefail: a failing pg_dump fails the pipeline even though gzip succeeds.
if ! ops_pg_dump --no-owner --no-acl 2>"$work/pg_dump.err" | gzip -c >"$tmp" 2>>"$work/pg_dump.err"; then
  fail "pg_dump failed: $(tail -n 5 "$work/pg_dump.err" | tr '\n' ' ')"
fi
gzip -t -- "$tmp" 2>"$work/gzip.err" || fail "the compressed dump is corrupt: $(cat "$work/gzip.err")"
tail_lines=$(gzip -cd -- "$tmp" | tail -n 5)
[[ $tail_lines == *"PostgreSQL database dump complete"* ]] \
  || fail "the dump is incomplete (no 'dump complete' marker at its end)"
tables=$(gzip -cd -- "$tmp" | grep -c '^CREATE TABLE ' || true)
mv -f -- "$tmp" "$final"
tmp=""
ln -sfn -- "$name" "$dir/latest.dump.gz"
size=$(du -h -- "$final" | cut -f1)
ops_log "backup written: $final ($size, $tables tables, $(($(date +%s) - started)) s)"

# Off-site copy.
if [ -n "${S3_BUCKET:-}" ]; then
  command -v aws >/dev/null 2>&1 \
    || fail "S3_BUCKET is set but the aws CLI is not installed (apt-get install awscli); the local backup $final is kept"
  s3_args=(--only-show-errors)
  [ -n "${S3_ENDPOINT:-}" ] && s3_args+=(--endpoint-url "$S3_ENDPOINT")
  dest=s3://$S3_BUCKET/$kind/$name
  aws s3 cp "${s3_args[@]}" "$final" "$dest" 2>"$work/s3.err" \
    || fail "upload to $dest failed: $(tail -n 5 "$work/s3.err" | tr '\n' ' ') (the local backup $final is kept)"
  aws s3 cp "${s3_args[@]}" "$final" "s3://$S3_BUCKET/$kind/latest.dump.gz" 2>"$work/s3.err" \
    || fail "upload to s3://$S3_BUCKET/$kind/latest.dump.gz failed: $(tail -n 5 "$work/s3.err" | tr '\n' ' ')"
  ops_log "uploaded to $dest (and $kind/latest.dump.gz)${S3_ENDPOINT:+ via $S3_ENDPOINT}"
fi

# Retention: keep the newest $keep backups of this kind (names sort by time).
backups=()
while IFS= read -r f; do
  [[ $f =~ ^restaurant_backup_[0-9]{8}_[0-9]{4}([0-9]{2})?\.dump\.gz$ ]] && backups+=("$f")
done < <(find "$dir" -maxdepth 1 -type f -name 'restaurant_backup_*.dump.gz' -printf '%f\n' | LC_ALL=C sort)
if [ "${#backups[@]}" -gt "$keep" ]; then
  for f in "${backups[@]:0:${#backups[@]}-keep}"; do
    rm -f -- "${dir:?}/$f"
    ops_log "retention: removed $kind/$f (keeping the newest $keep)"
  done
fi
# Leftovers of a backup killed half-way.
find "$dir" -maxdepth 1 -type f -name '.restaurant_backup_*.partial' -mmin +60 -delete 2>/dev/null || true

ops_log "$kind backup OK: $final"
