# rtc: one small image. Build with dev dependencies, ship with production ones only (and of sharp,
# only the prebuilt libvips binary for the platform being built: npm installs the one optional
# @img/sharp-* package that matches). Builds with BuildKit and with the legacy builder
# (DOCKER_BUILDKIT=0): no `# syntax=` line, so no frontend image has to be pulled.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY tools/copy-static.mjs tools/make-icons.mjs ./tools/
COPY src ./src
COPY static ./static
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title=rtc org.opencontainers.image.description="Self-hosted realtime group chat"
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/static ./static
COPY package.json ./
RUN mkdir -p /data /app/tls && chown node:node /data
USER node
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1's program: it handles SIGTERM itself (sockets closed with 1012, pools drained, exit 0).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
