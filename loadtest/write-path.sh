#!/usr/bin/env bash
# Write-path benchmark: a release server on a fresh database (demo data) at 127.0.0.1, then
# k6 loadtest/k6/write_path.js (POST /orders, then GET /health). Besides k6's summary it prints
# the CPU the server and PostgreSQL spent per order created, read from /proc, which says how many
# orders/s the two cores could take without the load tool. Bounded: k6 runs 2 × DURATION.
# The CPU figures cover the orders scenario alone (k6 runs it, then the health one).
# Settings: VUS (50), DURATION (20s), PORT (18090), PG_BASE, KENANGAN_BIN, DB (kenangan_wp)
set -euo pipefail
cd "$(dirname "$0")/.."
VUS=${VUS:-50}
DURATION=${DURATION:-20s}
PORT=${PORT:-18090}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
BIN=${KENANGAN_BIN:-target/release/kenangan}
DB=${DB:-kenangan_wp}
OUT=loadtest/results/write-path-$(date +%Y%m%d-%H%M%S)
mkdir -p loadtest/results
# shellcheck source=loadtest/server.sh
. loadtest/server.sh
# utime+stime (clock ticks) of the server, and of every PostgreSQL process.
cpu() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# PostgreSQL's share: the backends serving this database only (other databases on the machine may
# be busy); a backend that appears during the run counts from zero.
backends() { psql "$PG_BASE/postgres" -tAc "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'"; }
declare -A PG0
pg_mark() { for p in $(backends); do PG0[$p]=$(cpu "$p"); done; }
pg_used() { local s=0; for p in $(backends); do s=$((s + $(cpu "$p") - ${PG0[$p]:-0})); done; echo $s; }
orders() { psql "$PG_BASE/$DB" -tAc "SELECT count(*) FROM orders"; }
echo "write-path: server pid $SERVER on 127.0.0.1:$PORT, database $DB; $VUS VUs, $DURATION per scenario; $(uptime)"
S0=$(cpu $SERVER); pg_mark; O0=$(orders)
k6run() {
  timeout 300 k6 run --quiet -e BASE="http://127.0.0.1:$PORT" -e VUS="$VUS" -e DURATION="$DURATION" \
    -e ONLY="$1" --summary-export "$OUT.$1.json" loadtest/k6/write_path.js | tee -a "$OUT.txt"
  return "${PIPESTATUS[0]}"
}
set +e
k6run orders; RC=$?
S1=$(cpu $SERVER); P=$(pg_used); O1=$(orders)
k6run health || RC=$?
set -e
N=$((O1 - O0))
TCK=$(getconf CLK_TCK)
awk -v n="$N" -v s=$((S1 - S0)) -v p="$P" -v t="$TCK" 'BEGIN {
  if (n == 0) { print "write-path: no orders created"; exit }
  printf "write-path: %d orders; CPU per order (orders scenario only): server %.0f µs, PostgreSQL backends %.0f µs\n", n, s / t * 1e6 / n, p / t * 1e6 / n
}' | tee -a "$OUT.txt"
exit "$RC"
