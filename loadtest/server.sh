# shellcheck shell=bash
# Sourced by the load-test runners: a release server on a fresh database (demo data) at
# 127.0.0.1:$PORT, killed by its PID when the runner exits. Needs PORT, PG_BASE, BIN, DB, OUT;
# sets SERVER. Extra settings for the server come through the environment (DATABASE_POOL_SIZE…).
[ -x "$BIN" ] || cargo build --release --bin kenangan
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
ulimit -n 65536 2>/dev/null || true
RUST_LOG=warn APP_ENV=development API_HOST=127.0.0.1 API_PORT=$PORT DATABASE_URL="$PG_BASE/$DB${DB_PARAMS:-}" \
  "$BIN" serve >"$OUT.server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/api/v1/health" >/dev/null
