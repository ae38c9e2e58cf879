# polarbridge: `make demo` shows it working, `make test` runs every test.
SHELL     := /bin/bash
GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
PLUGINS   := $(notdir $(wildcard plugins/*))
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
STATICCHECK        := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build demo test test-deps faults bench lint proto dist clean

all: build

## build: the daemon and every plugin into ./bin
build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/polarbridge ./cmd/polarbridge
	@for p in $(PLUGINS); do \
		echo "$(GO) build -o $(BIN)/polarbridge-$$p ./plugins/$$p"; \
		$(GO) build -o $(BIN)/polarbridge-$$p ./plugins/$$p || exit 1; \
	done

## demo: run the daemon on sample data with the CSV exporter; ends by itself
demo: build
	./$(BIN)/polarbridge demo

## test: every test under the race detector, against real NATS, real plugin
## binaries and real files; ends with the ten slowest tests
test: test-deps
	set -o pipefail; $(GO) test -race -count=1 -timeout 30m -json ./... | $(GO) run ./internal/testreport -slowest 10

## faults: the whole fault suite (internal/faults): the real daemon, plugin,
## NATS and influxd processes under kill -9, restarts, outages and bad
## input; ends with the table of results, kept in bin/faults-report.txt
## (see docs/reliability.md). `make test` runs only its fast cases.
faults: test-deps
	@mkdir -p $(BIN)
	FAULTS=all FAULTS_REPORT=$(CURDIR)/$(BIN)/faults-report.txt $(GO) test -race -count=1 -timeout 30m -v -run '^TestFaults$$' ./internal/faults/

# Debian packages the tests need: InfluxDB 1.x (influxd) for the influxdb
# exporter's tests, Mosquitto for the MQTT one's, PostgreSQL (initdb,
# postgres) for the postgres one's, Chromium for the status page's. CI
# runs as root on a fresh Debian machine.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
test-deps:
	@command -v influxd >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y influxdb)
	@command -v mosquitto >/dev/null || test -x /usr/sbin/mosquitto || ($(SUDO) apt-get update && $(SUDO) apt-get install -y mosquitto mosquitto-clients)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ($(SUDO) apt-get update && $(SUDO) apt-get install -y postgresql)
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

## bench: benchmarks (see docs/performance.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 -timeout 30m ./...

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## proto: regenerate pluginapi's Go code (needs protoc: apt-get install protobuf-compiler)
proto:
	$(GO) install $(PROTOC_GEN_GO)
	$(GO) install $(PROTOC_GEN_GO_GRPC)
	cd pluginapi && PATH="$$($(GO) env GOPATH)/bin:$$PATH" protoc -I proto \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative \
		proto/*.proto

## dist: release archives for linux and darwin on amd64 and arm64 into
## ./dist (static binaries, README, LICENSE, CHANGELOG, config example,
## systemd unit), with SHA-256 checksums
DIST_TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
dist:
	@rm -rf dist && mkdir -p dist
	@for t in $(DIST_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; name=polarbridge-$(VERSION)-$$os-$$arch; out=dist/$$name; \
		echo "building $$name"; mkdir -p $$out/bin; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o $$out/bin/polarbridge ./cmd/polarbridge || exit 1; \
		for p in $(PLUGINS); do \
			CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w" -o $$out/bin/polarbridge-$$p ./plugins/$$p || exit 1; \
		done; \
		cp README.md LICENSE CHANGELOG.md config.yaml.example deploy/polarbridge.service $$out/; \
		tar -C dist -czf dist/$$name.tar.gz $$name && rm -rf $$out; \
	done
	@cd dist && sha256sum *.tar.gz > SHA256SUMS && cat SHA256SUMS

clean:
	rm -rf $(BIN) dist
