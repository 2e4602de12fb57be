# Coffer developer commands. Every target works on a fresh machine with Go
# and network access to the Go module proxy.
GO        ?= go
BIN       ?= bin/coffer
RUN_FLAGS ?= -dev
TEST_FLAGS ?= -count=1 -timeout 20m

.PHONY: all build run cluster test test-short fuzz fuzz-short bench bench-compare bench-cluster bench-ledger bench-scale bench-memory vet fmt clean ui ui-screenshots

all: build

# bin/coffer is everything; bin/coffer-agent is `coffer agent` alone, a
# fifth of the size, for agent sidecars (README: Coffer Agent).
build:
	$(GO) build -o $(BIN) ./cmd/coffer
	$(GO) build -o $(dir $(BIN))coffer-agent ./cmd/coffer/coffer-agent

# Start a dev server on 127.0.0.1:8200 (unsealed, secret/ mounted, root
# token printed). Extra flags: make run RUN_FLAGS="-dev -data-dir .data"
run: build
	./$(BIN) server $(RUN_FLAGS)

# Three local nodes as one cluster (loopback, ports 8200/8210/8220, data
# and logs in .cluster/): prints their addresses and the root token.
cluster: build
	BIN=./$(BIN) scenarios/cluster/make-cluster.sh

# The whole test suite: unit tests, integration tests on an embedded NATS
# server, API tests through HashiCorp's Go client, and the end-to-end
# scenarios against the built binary.
test: build
	$(GO) vet ./...
	$(GO) test $(TEST_FLAGS) ./...
	$(MAKE) fuzz-short

# Native Go fuzz targets (package:target). `go test` runs each one's seed
# corpus and kept crashers (testdata/fuzz); fuzz-short adds a fixed number
# of executions each (part of make test: a count, not a duration, because a
# duration that runs out while a worker minimizes an input is reported as
# a failure, "context deadline exceeded", on a loaded machine), fuzz runs
# them longer. Executions
# reached are recorded in docs/fuzzing.md.
FUZZ_TARGETS = ./gateway:FuzzCanonicalPath ./gateway:FuzzDecodeBody ./commands/acl:FuzzParse \
	./commands/acl:FuzzAuthorize ./ledger:FuzzDecodeBatch ./events:FuzzUpcast \
	./engines/transit:FuzzSplitVersioned ./ledger/shamir:FuzzParseShare ./gateway:FuzzScanJSON \
	./ledger:FuzzEventJSON
FUZZ_SHORT ?= 2000x
FUZZTIME   ?= 2m
fuzz-short:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZ_SHORT) $$pkg || exit 1; done
fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done

test-short:
	$(GO) test -short -count=1 ./...

# Load benchmarks: starts a server and drives it with the Vault Go client.
# Prints this machine's fsync cost at the start and the end, and each
# scenario's commit budget (commits per request, events per commit, commit
# latency, ledger bytes per request).
bench: build
	$(GO) run ./scenarios/loadgen -bin ./$(BIN) $(BENCH_FLAGS)

# The same load against Coffer and a reference OpenBao (raft storage on
# disk, a file audit device) started beside it, rounds interleaved, with
# the ratio per scenario. Build OpenBao from its source outside this
# repository (docs/benchmarks.md says how) and pass its binary:
#   make bench-compare BAO=/path/to/bao
BAO ?=
COMPARE_SCENARIOS ?= kv-read,kv-write-new,kv-write,transit-encrypt,token-create,approle-login,userpass-login,db-issue-revoke,pki-issue
COMPARE_FLAGS ?= -duration 5s -rounds 3
bench-compare: build
	@test -n "$(BAO)" || { echo "usage: make bench-compare BAO=/path/to/bao (docs/benchmarks.md says how to build it)"; exit 2; }
	$(GO) run ./scenarios/loadgen -bin ./$(BIN) -bao $(BAO) -scenarios $(COMPARE_SCENARIOS) $(COMPARE_FLAGS)

# Three-node clusters (issue 11): CLUSTER_WORKERS workers spread over
# three Coffer nodes on loopback (the tutorial's raft stanza) and, with
# BAO=/path/to/bao, over a three-node OpenBao raft cluster with a file
# audit device (its standbys forward writes to the active node), rounds
# interleaved, with the ratio per scenario.
CLUSTER_SCENARIOS ?= kv-write,kv-write-new,kv-read,token-create
CLUSTER_WORKERS   ?= 16
CLUSTER_FLAGS     ?= -duration 5s -rounds 3
bench-cluster: build
	$(GO) run ./scenarios/loadgen -cluster -bin ./$(BIN) $(if $(BAO),-bao $(BAO)) -workers $(CLUSTER_WORKERS) -scenarios $(CLUSTER_SCENARIOS) $(CLUSTER_FLAGS)

# The ledger writer's Go benchmarks (group commit against one publish per
# event, the latter being this machine's fsync-bound baseline).
bench-ledger:
	$(GO) test -run '^$$' -bench . -benchtime 20000x ./ledger/

# The ledger at scale (issue 17 part 4, scenarios/scale): grows a ledger
# of SCALE_EVENTS events through a dev node's gateway and writer (KV
# writes and reads, token creations, all audited), then prints disk per
# event, the serving binary's memory, the time to serve again after
# deleting projections/ (from the latest snapshot; by a full replay) and
# `coffer ledger verify` throughput, beside this machine's fsync cost.
# Not part of `make test` (the test skips without COFFER_SCALE_EVENTS).
#   make bench-scale SCALE_EVENTS=10M
SCALE_EVENTS ?= 1M
bench-scale: build
	COFFER_SCALE_EVENTS=$(SCALE_EVENTS) COFFER_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 3h -run '^TestScale$$' -v ./scenarios/scale/

# Issue 16's memory goal (scenarios/scale, TestMemory): a data dir holding
# MEMORY_PATHS x 10 KV v2 versions and MEMORY_LEASES PKI leases, served
# by the built binary; prints VmRSS/VmHWM, the Go heap and the top of a
# heap profile, and fails at 1 GiB resident. Not part of `make test`.
#   make bench-memory MEMORY_PATHS=10k MEMORY_LEASES=10k
MEMORY_PATHS ?= 100k
MEMORY_LEASES ?= 100k
bench-memory: build
	COFFER_SCALE_MEMORY=1 COFFER_SCALE_MEMORY_PATHS=$(MEMORY_PATHS) COFFER_SCALE_MEMORY_LEASES=$(MEMORY_LEASES) COFFER_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 3h -run '^TestMemory$$' -v ./scenarios/scale/

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

# The web UI (ui/web -> ui/dist, embedded by the binary). dist/ is
# committed, so build/run/test need no Node; run this after changing
# ui/web (Node 20+ and npm): reproducible install from the lockfile, the
# front-end unit tests, the production build.
ui:
	cd ui/web && npm ci --no-audit --no-fund && npm test && npm run build

# Screenshots of the main pages for the README, taken by the browser test
# (needs chromium).
ui-screenshots: build
	COFFER_UI_SCREENSHOTS=$(CURDIR)/docs/ui COFFER_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -run TestWebUI ./scenarios/
