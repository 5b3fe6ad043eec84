# shellcheck shell=bash
# Shared by scripts/backup.sh and scripts/restore.sh (sourced, not run).
#
# Two ways to reach the database:
#   * production (default): through the compose stack, `docker compose -f
#     docker-compose.prod.yml exec -T postgres pg_dump|psql -U $POSTGRES_USER -d $POSTGRES_DB`;
#   * direct, when DATABASE_URL is set in the environment: the host's pg_dump/psql against it
#     (tests, or an operator without Docker). DATABASE_URL in .env.production is NOT used for
#     this: it names the compose host `postgres`, which the server itself cannot resolve.
#
# Settings are read from the environment first, then from .env.production beside
# docker-compose.prod.yml (ENV_FILE overrides the path): POSTGRES_USER, POSTGRES_DB, BACKUP_*,
# S3_*, AWS_*, SMTP_*.

OPS_PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OPS_NAME=${OPS_NAME:-ops}
OPS_LOG_FILE=""
OPS_MODE=""
OPS_COMPOSE=()

# Exports the KEY=VALUE lines of an env file that these scripts use, never overriding a
# variable the environment already has (so `S3_BUCKET= scripts/backup.sh daily` wins).
ops_load_env() {
  local file=$1 line key val
  [ -r "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    case $line in '' | '#'*) continue ;; esac
    line=${line#export }
    [[ $line == *=* ]] || continue
    key=${line%%=*}
    val=${line#*=}
    [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    case $key in
      POSTGRES_USER | POSTGRES_DB | BACKUP_* | S3_* | AWS_* | SMTP_*) ;;
      *) continue ;;
    esac
    if [[ $val == \"*\" && ${#val} -ge 2 ]]; then
      val=${val:1:${#val}-2}
    elif [[ $val == \'*\' && ${#val} -ge 2 ]]; then
      val=${val:1:${#val}-2}
    else
      val=${val%%[[:space:]]#*}
      val=${val%"${val##*[![:space:]]}"}
    fi
    if [ -z "${!key+x}" ]; then
      export "$key=$val"
    fi
  done <"$file"
}

ops_init() {
  ENV_FILE=${ENV_FILE:-$OPS_PROJECT_DIR/.env.production}
  ops_load_env "$ENV_FILE"
  if [ -n "${DATABASE_URL:-}" ]; then
    OPS_MODE=direct
  else
    OPS_MODE=docker
    POSTGRES_USER=${POSTGRES_USER:-restaurant_admin}
    POSTGRES_DB=${POSTGRES_DB:-restaurant_db}
    if docker compose version >/dev/null 2>&1; then
      OPS_COMPOSE=(docker compose)
    elif command -v docker-compose >/dev/null 2>&1; then
      OPS_COMPOSE=(docker-compose)
    else
      OPS_COMPOSE=(docker compose)
    fi
  fi
}

# Log to stdout and to the log file (BACKUP_LOG, default /var/log/steak-kenangan/backup.log).
ops_open_log() {
  local file=${BACKUP_LOG:-/var/log/steak-kenangan/backup.log}
  if mkdir -p "$(dirname "$file")" 2>/dev/null && touch "$file" 2>/dev/null; then
    OPS_LOG_FILE=$file
  else
    echo "$(date '+%Y-%m-%d %H:%M:%S') [$OPS_NAME] WARNING: cannot write the log file $file; logging to the terminal only" >&2
    OPS_LOG_FILE=""
  fi
}

ops_log() {
  local line
  line="$(date '+%Y-%m-%d %H:%M:%S') [$OPS_NAME] $*"
  printf '%s\n' "$line"
  if [ -n "$OPS_LOG_FILE" ]; then printf '%s\n' "$line" >>"$OPS_LOG_FILE" 2>/dev/null || true; fi
}

ops_log_err() {
  local line
  line="$(date '+%Y-%m-%d %H:%M:%S') [$OPS_NAME] $*"
  printf '%s\n' "$line" >&2
  if [ -n "$OPS_LOG_FILE" ]; then printf '%s\n' "$line" >>"$OPS_LOG_FILE" 2>/dev/null || true; fi
}

ops_compose() {
  (cd "$OPS_PROJECT_DIR" && "${OPS_COMPOSE[@]}" -f docker-compose.prod.yml "$@")
}

# psql against the target database (extra arguments are passed on; stdin is forwarded).
ops_psql() {
  if [ "$OPS_MODE" = direct ]; then
    psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 "$@"
  else
    ops_compose exec -T postgres psql -X -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@"
  fi
}

ops_pg_dump() {
  if [ "$OPS_MODE" = direct ]; then
    pg_dump --dbname="$DATABASE_URL" "$@"
  else
    ops_compose exec -T postgres pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@"
  fi
}

# pg_restore turning a custom-format archive on stdin into SQL on stdout.
ops_pg_restore_sql() {
  if [ "$OPS_MODE" = direct ]; then
    pg_restore --no-owner --no-acl -f -
  else
    ops_compose exec -T postgres pg_restore --no-owner --no-acl -f -
  fi
}

# What we are talking to, without the password.
ops_target() {
  if [ "$OPS_MODE" = direct ]; then
    printf '%s' "$DATABASE_URL" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#'
  else
    printf 'database %s as %s in the postgres container (docker compose)' "$POSTGRES_DB" "$POSTGRES_USER"
  fi
}

# Sends a plain-text email when SMTP_HOST is set (curl's SMTP client; documented in
# docs/operations/runbook.md). SMTP_TLS: starttls (default), ssl (default for port 465), none.
# Returns 0 when nothing is configured.
ops_send_mail() {
  local subject=$1 body=$2
  [ -n "${SMTP_HOST:-}" ] || return 0
  if ! command -v curl >/dev/null 2>&1; then
    ops_log_err "cannot send the alert email: curl is not installed"
    return 1
  fi
  local port=${SMTP_PORT:-587}
  local tls=${SMTP_TLS:-}
  if [ -z "$tls" ]; then
    if [ "$port" = 465 ]; then tls=ssl; else tls=starttls; fi
  fi
  local host_name
  host_name=${HOSTNAME:-$(uname -n)}
  local from=${SMTP_FROM:-${SMTP_USER:-kenangan@$host_name}}
  local to=${SMTP_TO:-${SMTP_USER:-}}
  if [ -z "$to" ]; then
    ops_log_err "cannot send the alert email: set SMTP_TO (or SMTP_USER)"
    return 1
  fi
  local scheme=smtp
  local args=(--silent --show-error --max-time 60 --crlf)
  case $tls in
    ssl) scheme=smtps ;;
    starttls) args+=(--ssl-reqd) ;;
    none) ;;
    *)
      ops_log_err "SMTP_TLS must be starttls, ssl or none, not '$tls'"
      return 1
      ;;
  esac
  local tmp
  tmp=$(mktemp -d)
  local rcpt rcpts=()
  IFS=',' read -r -a rcpts <<<"$to"
  for rcpt in "${rcpts[@]}"; do
    rcpt=${rcpt//[[:space:]]/}
    [ -n "$rcpt" ] && args+=(--mail-rcpt "$rcpt")
  done
  if [ -n "${SMTP_USER:-}" ] && [ -n "${SMTP_PASSWORD:-}" ]; then
    (umask 077 && printf 'machine %s login %s password %s\n' "$SMTP_HOST" "$SMTP_USER" "$SMTP_PASSWORD" >"$tmp/netrc")
    args+=(--netrc-file "$tmp/netrc")
  fi
  {
    printf 'From: Kenangan <%s>\n' "$from"
    printf 'To: %s\n' "$to"
    printf 'Subject: %s\n' "$subject"
    printf 'Date: %s\n' "$(LC_ALL=C date -R)"
    printf 'Content-Type: text/plain; charset=UTF-8\n'
    printf '\n%s\n' "$body"
  } >"$tmp/message"
  local status=0
  curl "${args[@]}" --url "$scheme://$SMTP_HOST:$port" --mail-from "$from" \
    --upload-file "$tmp/message" 2>"$tmp/err" || status=$?
  if [ "$status" = 0 ]; then
    ops_log "alert email sent to $to"
  else
    ops_log_err "could not send the alert email via $SMTP_HOST:$port (curl exit $status): $(tr '\n' ' ' <"$tmp/err")"
  fi
  rm -rf "$tmp"
  return "$status"
}
