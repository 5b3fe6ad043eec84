#!/usr/bin/env bash
# One command for the restaurant load test (issue 6): a release server on a fresh database
# (demo data) at 127.0.0.1, then k6 loadtest/k6/restaurant.js; the summary is printed and saved
# under loadtest/results/. Bounded: k6 runs DURATION plus at most ~60 s; the server is killed by
# its PID on exit.
# Settings: VUS (100), DURATION (60s), PORT (18095), PG_BASE (postgres://postgres@127.0.0.1:5432),
#           KENANGAN_BIN (target/release/kenangan), DB (kenangan_k6)
set -euo pipefail
cd "$(dirname "$0")/.."
VUS=${VUS:-100}
DURATION=${DURATION:-60s}
PORT=${PORT:-18095}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
BIN=${KENANGAN_BIN:-target/release/kenangan}
DB=${DB:-kenangan_k6}
OUT=loadtest/results/k6-restaurant-$(date +%Y%m%d-%H%M%S)
mkdir -p loadtest/results
# shellcheck source=loadtest/server.sh
. loadtest/server.sh
echo "run-k6: server pid $SERVER on 127.0.0.1:$PORT, database $DB; $VUS VUs for $DURATION"
CPU0=$(awk '{print $14+$15}' /proc/$SERVER/stat)
set +e
timeout 400 k6 run --quiet -e BASE="http://127.0.0.1:$PORT" -e VUS="$VUS" -e DURATION="$DURATION" -e OUT="$OUT" \
  loadtest/k6/restaurant.js | tee "$OUT.txt"
RC=${PIPESTATUS[0]}
set -e
CPU1=$(awk '{print $14+$15}' /proc/$SERVER/stat)
echo "server CPU during the run: $(( (CPU1 - CPU0) * 10 )) ms; RSS $(awk '/VmRSS/{print $2}' /proc/$SERVER/status) KiB" | tee -a "$OUT.txt"
if ! grep -q '"ticket_count_check":"passed"' "$OUT.verdict.json" 2>/dev/null; then
  echo "run-k6: ticket count check FAILED (see $OUT.verdict.json)"
  RC=${RC:-1}; [ "$RC" = 0 ] && RC=1
fi
echo "run-k6: summary saved to $OUT.txt and $OUT.json (k6 exit $RC)"
exit "$RC"
