#!/bin/sh
# Run by the nginx image's entrypoint just before it starts nginx: checks the configuration,
# then prints "Nginx started successfully" (the line docs/deployment.md tells operators to look
# for) once nginx answers on port 80.
set -eu
nginx -t -q
(
  i=0
  while [ "$i" -lt 60 ]; do
    if wget -q -O /dev/null http://127.0.0.1/healthz 2>/dev/null; then
      echo "Nginx started successfully"
      exit 0
    fi
    i=$((i + 1))
    sleep 1
  done
  echo "nginx did not answer on port 80 within 60 s" >&2
) &
