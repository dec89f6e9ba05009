# One image for the API, the worker and the local identity provider; the command picks the role.
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save tsx
COPY . .
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
