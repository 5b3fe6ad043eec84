#!/usr/bin/env bash
# The one command that runs every test (what .ci/run calls): formatting, lints, and the
# unit and integration tests against real PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh

# Leftover per-test databases from earlier runs (each test makes its own kenangan_t_*).
psql -h 127.0.0.1 -U postgres -d postgres -Atqc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'kenangan\_t\_%' OR datname LIKE 'kenangan\_tpl\_%'" \
  | xargs -r -P 8 -I{} psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS "{}" WITH (FORCE)' >/dev/null 2>&1 || true

echo "test: cargo fmt --check"
cargo fmt --all -- --check
echo "test: cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "test: cargo nextest"
if ! command -v cargo-nextest >/dev/null; then
  cargo install cargo-nextest --locked
fi
cargo nextest run --no-fail-fast

# A short run of the fan-out load driver (docs/benchmarks.md) so it cannot rot: 100 screens,
# 3 s of orders and a reconnect storm; fails on any lost, duplicated or out-of-order event.
echo "test: fan-out driver smoke (100 screens)"
cargo build --bin kenangan --bin fanout
timeout 180 target/debug/fanout --server-bin target/debug/kenangan --db kenangan_t_fanout_smoke \
  --screens 100 --rate 20 --seconds 3 --idle-seconds 0 --storm --max-seconds 150 | tail -n 1

if [ -f clients/package.json ]; then
  echo "test: clients"
  (cd clients && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test)
fi
echo "test: all passed"
