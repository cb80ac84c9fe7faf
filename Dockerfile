# syntax=docker/dockerfile:1
# Switchyard gateway image.
#   docker build -t switchyard .
#   docker run --rm -p 8080:8080 -v "$PWD/config:/etc/switchyard:ro" switchyard            # serve
#   docker run --rm -e DATABASE_URL=postgres://... switchyard switchyard migrate           # one-off migration
# Config (gateway.yaml, policy.yaml, pricing.yaml) is read from the /etc/switchyard volume; the image
# ships config/ there as a default. Embedded storage and the audit spool live in /var/lib/switchyard.

ARG NODE_IMAGE=node:24.11.1-bookworm-slim

# ---- build: the same artefact as `npm ci && npm run build` ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` (tsc) needs src, copied below; `npm run build` runs it.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, compiled output, shipped files ----
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# a 64 MiB young generation: fewer scavenges and far fewer short-lived request objects promoted
# (about 15% less CPU per request in npm run bench); README "Performance"
# SWITCHYARD_DATA_DIR: the data dir when the config sets no storage.data_dir (a relative one resolves
# against the config file's folder, here the read-only /etc/switchyard).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=64 \
    SWITCHYARD_CONFIG=/etc/switchyard/gateway.yaml \
    SWITCHYARD_DATA_DIR=/var/lib/switchyard
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc, a dev dependency; dist comes from the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY migrations ./migrations
COPY config ./config
COPY config /etc/switchyard
RUN chmod 0755 /app/dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/switchyard \
 && mkdir -p /var/lib/switchyard \
 && chown 1000:1000 /var/lib/switchyard
# uid 1000 is the image's `node` user; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# The data volume (SWITCHYARD_DATA_DIR): embedded storage and the audit spool.
WORKDIR /var/lib/switchyard
VOLUME ["/etc/switchyard", "/var/lib/switchyard"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to node (which drains) and reaps zombies.
ENTRYPOINT ["tini", "--"]
CMD ["switchyard", "serve", "--config", "/etc/switchyard/gateway.yaml"]
