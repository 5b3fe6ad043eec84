#!/usr/bin/env bash
# The fan-out scenarios of docs/benchmarks.md, each RUNS times (default 3), with the release
# build. Every run starts its own server (target/release/kenangan) on a fresh database at
# 127.0.0.1 and kills it by PID at the end; each run is bounded by --max-seconds.
# Usage: RUNS=3 loadtest/fanout/run.sh [scenario...]   (scenarios below; default all)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
BIN=${KENANGAN_BIN:-target/release/kenangan}
DRIVER=${FANOUT_BIN:-target/release/fanout}
OUT=${OUT:-loadtest/results/fanout}
mkdir -p "$OUT"
# Server and driver each hold one fd per screen; raise the soft limit as far as allowed.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
run() { # name, driver args...
  local name=$1; shift
  for i in $(seq 1 "$RUNS"); do
    echo "== $name run $i"
    timeout 900 "$DRIVER" --server-bin "$BIN" --db kenangan_fanout_bench --label "$name" \
      --json "$OUT/$name-$i.json" --max-seconds 800 "$@" | grep -v '^ \|^{\|^}' || echo "run failed: $?"
  done
}
SCEN=${*:-s100 s1000 s10000 storm100 storm1000 storm10000 raw1000 raw10000}
for s in $SCEN; do
  case $s in
    # steady state: connect, idle, write, settle (the 10,000 run also gives the idle figure)
    s100)       run s100       --screens 100   --rate 20 --seconds 20 --idle-seconds 5 ;;
    s1000)      run s1000      --screens 1000  --rate 50 --seconds 20 --idle-seconds 5 ;;
    s10000)     run s10000     --screens 10000 --rate 10 --seconds 30 --idle-seconds 10 --source-ips 4 ;;
    # the same with a reconnect storm halfway through the writing
    storm100)   run storm100   --screens 100   --rate 20 --seconds 20 --idle-seconds 5 --storm ;;
    storm1000)  run storm1000  --screens 1000  --rate 50 --seconds 20 --idle-seconds 5 --storm ;;
    storm10000) run storm10000 --screens 10000 --rate 10 --seconds 30 --idle-seconds 10 --storm --source-ips 4 ;;
    raw1000)    run raw1000    --raw --screens 1000  --rate 50 --seconds 20 --idle-seconds 0 ;;
    raw10000)   run raw10000   --raw --screens 10000 --rate 10 --seconds 30 --idle-seconds 0 --source-ips 4 ;;
    *) echo "unknown scenario $s"; exit 2 ;;
  esac
done
