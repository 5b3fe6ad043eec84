# syntax=docker/dockerfile:1
# Kenangan backend: `docker compose -f docker-compose.prod.yml build backend` (docs/deployment.md).
#
# Stage 1 builds the dependencies alone against a dummy main, so that layer is reused until
# Cargo.toml or Cargo.lock change; stage 2 builds the real binary; the runtime image is
# debian:bookworm-slim with the binary, curl (HEALTHCHECK, the runbook's checks), netcat and
# time (the deployment guide's `nc -zv postgres 5432` and `time nc ...`), running as a
# non-root user.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src

# 1. Dependencies only (cached layer).
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked --bin kenangan \
 && rm -rf src target/release/kenangan target/release/deps/kenangan-* \
           target/release/deps/libkenangan-* target/release/.fingerprint/kenangan-*

# 2. The real build. migrations/ is embedded in the binary (sqlx::migrate!, demo data).
COPY migrations ./migrations
COPY src ./src
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked --bin kenangan \
 && strip target/release/kenangan \
 && target/release/kenangan version

FROM debian:bookworm-slim AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl netcat-openbsd time \
 && rm -rf /var/lib/apt/lists/*

# The uid/gid that owns ./uploads on the host (the guide's `chown -R $USER:$USER uploads`).
ARG APP_UID=1000
ARG APP_GID=1000
RUN groupadd --gid "${APP_GID}" kenangan \
 && useradd --uid "${APP_UID}" --gid kenangan --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin kenangan \
 && mkdir -p /app/uploads \
 && chown -R kenangan:kenangan /app

COPY --from=build /src/target/release/kenangan /usr/local/bin/kenangan

WORKDIR /app
# Logs go to stdout (JSON in production); docker's json-file driver keeps and rotates them.
ENV APP_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=8080 \
    UPLOAD_DIR=/app/uploads \
    RUST_LOG=info
USER ${APP_UID}:${APP_GID}
EXPOSE 8080
VOLUME ["/app/uploads"]

HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/bin/sh", "-c", "curl -fsS http://127.0.0.1:8080/api/v1/health >/dev/null || exit 1"]

# SIGTERM: the server stops accepting, drains requests, closes WebSockets with 1012, exits.
STOPSIGNAL SIGTERM
CMD ["kenangan", "serve"]
