# One image for every role of the mall; compose.yaml picks the role by command.
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
ENTRYPOINT ["/usr/local/bin/mall"]
