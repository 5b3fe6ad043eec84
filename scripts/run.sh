#!/usr/bin/env bash
# The one command that runs the whole product on http://localhost:8080 with demo data:
# server, hub and (when clients/ exists) the built screens.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh

if [ -f clients/package.json ]; then
  echo "run: building the screens (clients/)"
  (cd clients && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
  export STATIC_DIR="${STATIC_DIR:-$PWD/clients/dist}"
fi

cargo build --release --bin kenangan
echo "run: Kenangan on http://localhost:${API_PORT:-8080} (demo users: admin/admin123, waiter/waiter123, kitchen/kitchen123, ...)"
exec ./target/release/kenangan serve
