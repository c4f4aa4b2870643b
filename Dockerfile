# syntax=docker/dockerfile:1
# Multi-stage build of hubstream's three binaries into one small static image.
#   docker build -t hubstream .
# (Not run on the development machines, which have no Docker engine; the
# compose file's commands and flags are checked by test/compose.)

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server \
 && go build -trimpath -ldflags="-s -w" -o /out/projector ./cmd/projector \
 && go build -trimpath -ldflags="-s -w" -o /out/ddblocal ./cmd/ddblocal

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
USER nonroot:nonroot
EXPOSE 8080 8000
ENTRYPOINT ["/usr/local/bin/server"]
