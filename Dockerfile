# syntax=docker/dockerfile:1
# Build: compile TypeScript and generate the Prisma client; run: production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY .config ./.config
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY queues ./queues
COPY pipelines ./pipelines
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The engine applies prisma/migrations at start-up, so they ship with it.
COPY --from=build /app/prisma ./prisma
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM goes straight to node (no npm in between) so shutdown is graceful.
CMD ["node", "dist/src/main.js"]
