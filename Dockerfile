# syntax=docker/dockerfile:1
# One small image with hubstream's three binaries (server, projector,
# ddblocal). docker-compose.yml builds it once and runs every hubstream
# service from it; on its own it runs the server with the embedded engine:
#
#   docker build -t hubstream .
#   docker run --name hubstream -p 8080:8080 -v hubstream-data:/data hubstream
#   docker exec hubstream /usr/local/bin/server token octocat
#
# The development machines have no Docker engine, so this file is checked by
# test/compose (statically, and with `docker compose config` where Compose
# is installed), not built there.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/bin/ ./cmd/server ./cmd/projector ./cmd/ddblocal \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bin/ /usr/local/bin/
# /data belongs to the image's non-root user (65532). Docker gives a fresh
# named volume the owner of the directory it is mounted on, so the server and
# ddblocal can write a new volume without a chown step or running as root.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
# 8080: server (GraphQL, playground, health, metrics); 8000: ddblocal;
# 9090: projector metrics and health.
EXPOSE 8080 8000 9090
ENTRYPOINT ["/usr/local/bin/server"]
# The server's default data directory, ./.hubstream, is then /data/.hubstream:
# in the volume, and the same one `server token` uses without flags, so a
# token minted with `docker exec <container> /usr/local/bin/server token
# <login>` is signed with the running server's development secret.
CMD ["--addr", ":8080"]
