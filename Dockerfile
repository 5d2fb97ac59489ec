# velero-ts: the server, the node agent and the CLI in one image.
#   docker build -t registry.example.com/velero-ts:0.1.0 .
#   velero-ts install --image registry.example.com/velero-ts:0.1.0 ...

# 1. The TypeScript build: dependencies from the lock file, compiled to dist/, then only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
# --ignore-scripts: the prepare script would build before the sources are all there.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build
RUN npm prune --omit=dev --no-audit --no-fund

# 2. kopia, for file-system backups of volumes: Velero's fork, as Velero builds it. The fork's
# module path is still github.com/kopia/kopia, so a throwaway module requires that path and
# replaces it with the fork's pseudo-version.
FROM golang:1.26-bookworm AS kopia
WORKDIR /build
RUN go mod init kopia-build \
 && go mod edit \
      -require=github.com/kopia/kopia@v0.16.0 \
      -replace=github.com/kopia/kopia=github.com/project-velero/kopia@v0.0.0-20251230033609-d946b1e75197 \
 && go mod download github.com/kopia/kopia
RUN GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kopia github.com/kopia/kopia \
 && /out/kopia --version

# 3. What runs: Node, the compiled CLI and its production dependencies, kopia; no compilers.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/node_modules ./node_modules
COPY --from=kopia /out/kopia /usr/local/bin/kopia
RUN ln -s /app/bin/velero-ts.js /usr/local/bin/velero-ts
# The image's own unprivileged user (uid 1000); the node agent's DaemonSet asks for root itself,
# to read every pod's volumes on its node.
USER node
ENTRYPOINT ["velero-ts"]
CMD ["--help"]
