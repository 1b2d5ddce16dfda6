# One image for every role of the mall; compose.yaml picks the role by command.

# The web storefront, served by `mall serve` on the API's origin.
FROM node:20 AS web
WORKDIR /src
COPY gen/ts ./gen/ts
COPY web/package.json web/package-lock.json ./web/
RUN cd web && npm ci --no-audit --no-fund
COPY web ./web
RUN cd web && npm run build

FROM golang:1.26 AS build
WORKDIR /src
COPY go.work go.work.sum ./
COPY gen ./gen
COPY services ./services
COPY workflows ./workflows
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -o /out/mall ./services/cmd/mall

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mall /usr/local/bin/mall
COPY --from=web /src/web/dist /srv/web
ENV MALL_WEB_DIR=/srv/web
ENTRYPOINT ["/usr/local/bin/mall"]
