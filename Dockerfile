# polarbridge: the daemon and every exporter plugin, static binaries on a
# small base, running as a non-root user with its state in a volume.
#
#   docker build -t polarbridge .
#   docker run -v polarbridge-data:/var/lib/polarbridge \
#     -v ./config.yaml:/etc/polarbridge/config.yaml:ro polarbridge
#
# The build runs the same `make build` CI does.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 make build VERSION=$VERSION

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/polarbridge --shell /usr/sbin/nologin polarbridge \
    && mkdir -p /var/lib/polarbridge /etc/polarbridge \
    && chown polarbridge:polarbridge /var/lib/polarbridge
COPY --from=build /src/bin/ /usr/local/bin/
COPY config.yaml.example /etc/polarbridge/config.yaml.example
USER polarbridge
WORKDIR /var/lib/polarbridge
VOLUME /var/lib/polarbridge
# webhook receiver, and metrics/health (set metrics.listen to 0.0.0.0:9464)
EXPOSE 8080 9464
# A soft heap limit (docs/performance.md, issue #17); override with -e.
ENV GOMEMLIMIT=256MiB
ENTRYPOINT ["/usr/local/bin/polarbridge"]
CMD ["run", "--config", "/etc/polarbridge/config.yaml"]
