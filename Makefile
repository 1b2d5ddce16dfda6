# The two commands of the README: `make run` (the whole system) and
# `make test` (everything CI runs). The rest are their parts.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUF      := tools/bin/buf
GOLANGCI := tools/bin/golangci-lint
MALL     := bin/mall

.PHONY: help run test tools gen build web short lint gen-check go-check unit web-check e2e lighthouse

help:
	@echo "make run   - the whole mall on this machine (API :8080, Temporal UI :8233)"
	@echo "make test  - the fast tier, lint, generation drift, vet and every test (what CI runs)"

# Pinned tools: buf, protoc plugins, grpcurl and the Temporal CLI from
# tools/go.mod (outside go.work), protoc-gen-es from tools/package.json.
tools: tools/bin/.built tools/node_modules/.installed
tools/bin/.built: tools/go.mod tools/go.sum
	@echo ">> building pinned tools (the first time takes several minutes)"
	cd tools && GOWORK=off go build -o bin/ tool
	@touch $@
# golangci-lint has a module of its own: its dependencies stay out of the tools'.
$(GOLANGCI): tools/lint/go.mod tools/lint/go.sum
	cd tools/lint && GOWORK=off go build -o ../bin/ tool
	@touch $@
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	@touch $@

gen: tools
	$(BUF) generate

build:
	go build -o $(MALL) ./services/cmd/mall

# The web storefront (web/): served by every mall process from web/dist.
web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@
web: web/node_modules/.installed
	cd web && npm run build

run: tools build web
	$(MALL) dev

# The fast tier first (pure logic, no servers: a broken rule fails in
# seconds), then lint, then everything against the real parts.
test: short tools lint gen-check go-check web-check unit e2e lighthouse

# Every test that reaches MariaDB, Redis, Temporal or the mall binary goes
# through testenv.Integration, which -short leaves for the full run.
short:
	go test -short -count=1 work

# Contracts (buf lint, format, and no breaking change against the released
# baseline proto/released.binpb), Go (golangci-lint, .golangci.yml) and the
# SPA (eslint with typescript-eslint and React's hook rules).
lint: tools $(GOLANGCI) web/node_modules/.installed
	$(BUF) lint
	$(BUF) format --diff --exit-code
	$(BUF) breaking proto --against proto/released.binpb
	$(GOLANGCI) run ./services/... ./workflows/...
	cd web && npm run lint

# Generated code is committed: regenerating must change nothing.
gen-check: gen
	@if [ -n "$$(git status --porcelain -- gen)" ]; then \
		git status --short -- gen; echo "gen/ is stale: run make gen and commit it"; exit 1; fi

go-check:
	@unformatted=$$(gofmt -l gen services workflows); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet work

unit:
	go test -race -count=1 -timeout 20m work

# TypeScript strict type check and the unit tests of the SPA's logic, hooks
# and components.
web-check: web/node_modules/.installed
	cd web && npx tsc --noEmit && npx vitest run

# The browser journey in Chromium against the whole system (mall dev on
# free ports and fresh databases); screenshots land in web/e2e/artifacts.
e2e: build web
	cd web && node e2e/journey.mjs && node e2e/console.mjs

# Lighthouse (mobile, simulated slow 4G) on the home page, a category, a
# product and a flash sale against the whole system, started as for the
# journey: it fails below accessibility 100, best practices 100, SEO 95 or
# above 120 kB of JavaScript on the home page; performance is printed.
# Reports land in web/e2e/artifacts/lighthouse.
lighthouse: build web
	cd web && node e2e/lighthouse.mjs
