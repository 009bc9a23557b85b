# OpenIndent in a container: the repository's two commands, `npm install` (which builds) and what
# `npm start` runs. Not built in this repository's CI (no base image can be pulled there):
# scripts/two-instances.sh and test/two-instances-script.test.ts run the same layout without containers.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# better-sqlite3 installs a prebuilt binary for this platform; python3/make/g++ are not needed.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4100 \
    OPENINDENT_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# Non-root, with the SQLite data (unused with DATABASE_URL) on a volume the user owns.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4100
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4100/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs, without npm in between, so SIGTERM reaches the server and it drains.
CMD ["node", "packages/server/bin/openindent.js", "serve"]
