# The production image: the built API and worker (plain JavaScript, the workflow bundle made ahead of
# time) on the production dependencies only. The command picks the role (api.mjs or worker.mjs).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# The local stand-ins (OpenID provider) run from the build stage, which has the development tools.
FROM build AS local-tools

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Two malloc arenas instead of 8 per core: the worker's threads otherwise hold freed memory apart (issue 30).
ENV MALLOC_ARENA_MAX=2
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/api.mjs"]
