# palwiz — make targets. `make test` is what CI runs (through .ci/run).
GO      ?= go
BIN     := bin/palwiz
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: specs build man test test-short demo sim bench lint pins fuzz clean screens release release-check readme-report

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/palwiz

## man: the manual page, generated from the commands' help (bin/palwiz.1; man -l bin/palwiz.1)
man: build
	$(BIN) man > bin/palwiz.1

## test: every test with the race detector, against a real Secret Service when one can be started
test: pins specs
	$(GO) vet ./...
	scripts/with-keyring.sh $(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(GO) test -count=1 -short ./...

## demo: the wizard on the built-in simulated cloud
demo: build
	$(BIN) demo

## sim: serve the simulated cloud for other terminals
sim: build
	$(BIN) sim

## bench: benchmarks with figures (see docs/performance.md); the keyring is needed for cached-token runs
bench:
	scripts/with-keyring.sh $(GO) test -run '^$$' -bench . -benchtime 5x -count 1 -timeout 30m ./...

## lint: gofmt, go vet, staticcheck (pinned in go.mod's tool directive) and a tidy go.mod; CI runs it
lint: pins
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff

## pins: the Charm v2 versions that work (see ../shared/reference/charm-v2.md)
pins:
	scripts/check-pins.sh

fuzz:
	scripts/fuzz.sh 20s

clean:
	rm -rf bin dist

## release: static binaries for linux, darwin and windows on amd64 and arm64 in dist/, archives, SHA256SUMS
release:
	$(GO) run ./scripts/release -dist dist

## release-check: two releases from this commit are byte-identical, and dist's binary passes the README's quick start
release-check:
	scripts/release-check.sh

## screens: regenerate the wizard's golden screens and the README's captures of them
screens:
	scripts/readme-screens.sh

## specs: testdata/specs (what the contract tests read) matches ../shared/specs when that is beside the clone
specs:
	scripts/check-specs.sh

## readme-report: regenerate the README's sample of palwiz report and the screenshot of its HTML form
readme-report:
	scripts/readme-report.sh
