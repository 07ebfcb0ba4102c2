# Curlew's plain entry points. Each target installs the Debian packages it needs when they are
# missing (apt-get update first), so it works on a fresh Debian machine.

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# What building needs, and what the tests start (nginx, nghttpd, tinyproxy, microsocks, python3
# for the fault server and httpbin) or call (openssl, for certificates). libcurl comes first,
# from scripts/libcurl.sh: 8.14.1 from bookworm-backports unless CURLEW_LIBCURL=stock.
BUILD_PACKAGES := libcurl4-gnutls-dev libev-dev
TEST_PACKAGES := $(BUILD_PACKAGES) nginx openssl nghttp2-server tinyproxy microsocks python3-pip

# httpbin served by gunicorn, from PyPI (Debian packages neither), at versions known to work with
# each other and with Flask 3; the WebSocket test server's websockets; hypercorn with aioquic for
# the HTTP/3 test server; h2 (also a hypercorn dependency) for the misbehaving HTTP/2 server.
# PIP_BREAK_SYSTEM_PACKAGES lets pip install beside Debian's own
# Python packages (PEP 668); older pips ignore it.
PIP_PACKAGES := httpbin==0.10.4 gunicorn==23.0.0 websockets==17.4 hypercorn==0.18.0 aioquic==1.7.2 h2==4.4.1

.PHONY: soak test-soak-short fuzz large-files bench-other-libcurl deps-python test test-default test-example test-other-libcurl test-sanitizers test-tsan test-asan build demo bench deps-libcurl deps-build deps-test deps-demo clean

define install_missing
	@missing=""; \
	for package in $(1); do \
		dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

## libcurl 8.14.1 (GnuTLS) from bookworm-backports when the installed one is older; idempotent.
deps-libcurl:
	@bash scripts/libcurl.sh install

deps-build: deps-libcurl
	$(call install_missing,$(BUILD_PACKAGES))

deps-test: deps-libcurl deps-python

## The Python servers of the tests and benchmarks (PyPI, pinned), after python3-pip.
deps-python:
	$(call install_missing,$(TEST_PACKAGES))
	@python3 -c 'import sys, importlib.metadata as m; sys.exit(any(m.version(n) != v for n, v in (p.split("==") for p in sys.argv[1:])))' $(PIP_PACKAGES) 2>/dev/null || { \
		echo "Installing from PyPI: $(PIP_PACKAGES)"; \
		$(SUDO) env PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --root-user-action=ignore $(PIP_PACKAGES); \
	}

deps-demo: deps-libcurl
	$(call install_missing,$(BUILD_PACKAGES) nginx openssl python3)

## The main job: build curlew (release), start nginx on loopback, load it over HTTP/1.1, h2c
## and HTTP/2 over TLS, fetch a page, print the reports, stop nginx.
demo: deps-demo
	bash scripts/demo.sh

## The benchmark matrix (see Benchmarks/README.md): curlew, c-baseline, async-http-client,
## URLSession, wrk and h2load against nginx and a slow server on loopback, then the table.
## Benchmarks/run.sh installs its own Debian packages (apt-get update first) when missing.
bench: deps-libcurl deps-python
	bash Benchmarks/run.sh

## The same matrix for curlew and c-baseline on the other supported libcurl (unpacked under
## .build-libcurl-other, as for the tests): both built against it in their own scratch path,
## run with it on LD_LIBRARY_PATH; the table names the libcurl the clients loaded.
bench-other-libcurl: deps-libcurl deps-python deps-build
	$(unpack_other_libcurl)
	cd Benchmarks && for product in CurlewClient CBaseline; do \
		swift build -c release --product $$product $(OTHER_LIBCURL_FLAGS) --scratch-path $(CURDIR)/.build-libcurl-other-bench || exit 1; done
	BENCH_SKIP_BUILD=1 BENCH_BIN=$(CURDIR)/.build-libcurl-other-bench/release BENCH_LIBCURL_LIBDIR=$(OTHER_LIB) \
		CLIENTS="$${CLIENTS:-curlew curlew-loop c-baseline}" bash Benchmarks/run.sh

## Peak RSS of curlew downloading and uploading 16 MiB and 1 GiB files over loopback nginx.
large-files: deps-demo
	$(call install_missing,time)
	bash scripts/large-files.sh

## The parsers fuzzed at length: 300,000 generated URLs against libcurl's curl_url and 300,000
## generated response heads against the reference parser (make test runs 5,000 and 20,000).
fuzz: deps-build
	CURLEW_FUZZ_COUNT=300000 swift test -c release --filter 'URLFuzzTests|HeadParserFuzzTests'

## Build the package in debug mode.
build: deps-build
	swift build

## Run the whole test suite against real servers on loopback, on both supported libcurls: the
## installed one, then the other unpacked under .build-libcurl-other (see scripts/libcurl.sh).
test: test-default test-other-libcurl test-example test-soak-short

test-default: deps-test
	swift test $(SWIFT_FLAGS) --disable-xctest
	@echo "== the suite above ran on the installed libcurl: $$($$(swift build --show-bin-path)/curlew --version)"

## The example service (Examples/, a Hummingbird 2 service calling downstream through Curlew):
## built, started against httpbin, smoke-tested, shut down with a request in flight.
test-example: deps-test
	$(call install_missing,curl)
	SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/example-smoke.sh

OTHER_LIBCURL_DIR := $(CURDIR)/.build-libcurl-other/libcurl
## In a recipe: unpacks the other libcurl (idempotent) and sets OTHER_ROOT to its root.
unpack_other_libcurl = $(eval OTHER_ROOT := $(shell bash scripts/libcurl.sh unpack $(OTHER_LIBCURL_DIR) $$(bash scripts/libcurl.sh other)))
OTHER_LIB = $(OTHER_ROOT)/usr/lib/x86_64-linux-gnu
OTHER_LIBCURL_FLAGS = -Xcc -I$(OTHER_ROOT)/usr/include/x86_64-linux-gnu -Xlinker -L$(OTHER_LIB)
OTHER_FLAGS = $(OTHER_LIBCURL_FLAGS) --scratch-path .build-libcurl-other

test-other-libcurl: deps-test
	$(unpack_other_libcurl)
	swift build $(SWIFT_FLAGS) --build-tests $(OTHER_FLAGS)
	LD_LIBRARY_PATH=$(OTHER_LIB) swift test $(SWIFT_FLAGS) --skip-build --disable-xctest $(OTHER_FLAGS)
	@echo "== the suite above ran on the other libcurl: $$(LD_LIBRARY_PATH=$(OTHER_LIB) $$(swift build $(OTHER_FLAGS) --show-bin-path)/curlew --version)"

# Extra `swift build`/`swift test` flags, e.g. SWIFT_FLAGS="-j 1" on a machine shared with
# another build.
SWIFT_FLAGS ?=

## The whole suite under ThreadSanitizer, then under AddressSanitizer with LeakSanitizer, each
## in a scratch path of its own; CI runs it after `make test`. Any race report or leak fails it,
## and so does one in a `curlew` the CLI tests start (it is built with the same sanitizer and
## inherits the options). Wall time on a 2-core machine from empty scratch paths (packages
## already in the cache), with -j 1 and another build running: ThreadSanitizer 2 min 4 s
## (build 1 min 10 s, suite 39 s), AddressSanitizer 2 min 15 s (build 1 min 15 s, suite 46 s),
## beside 1.5 min for `make test`: about 6 minutes of CI's 90 in all.
test-sanitizers: test-tsan test-asan

## halt_on_error: the first report ends the run, with the report at the end of the log.
test-tsan: deps-test
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		swift test $(SWIFT_FLAGS) --disable-xctest --sanitize=thread --scratch-path .build-tsan

## LeakSanitizer runs at exit (detect_leaks is on by default on Linux); what it may ignore, and
## why, is in .ci/lsan-suppressions.txt.
test-asan: deps-test
	ASAN_OPTIONS="detect_leaks=1" LSAN_OPTIONS="suppressions=$(CURDIR)/.ci/lsan-suppressions.txt print_suppressions=0" \
		swift test $(SWIFT_FLAGS) --disable-xctest --sanitize=address --scratch-path .build-asan
	swift build $(SWIFT_FLAGS) --sanitize=address --scratch-path .build-asan --product CurlewSoak
	ASAN_OPTIONS="detect_leaks=1" LSAN_OPTIONS="suppressions=$(CURDIR)/.ci/lsan-suppressions.txt print_suppressions=0" \
		bash -c 'ulimit -n 65536 2>/dev/null || ulimit -n "$$(ulimit -Hn)" 2>/dev/null || true; exec .build-asan/debug/CurlewSoak --short --sanitizer'

## The soak's short version (a tenth of `make soak`'s counts), in the debug build.
test-soak-short: deps-test
	swift build $(SWIFT_FLAGS) --product CurlewSoak
	bash -c 'ulimit -n 65536 2>/dev/null || ulimit -n "$$(ulimit -Hn)" 2>/dev/null || true; exec "$$(swift build $(SWIFT_FLAGS) --show-bin-path)/CurlewSoak" --short'

## The soak, in release mode: 1,000,000 requests over HTTP/1.1 and 300,000 over h2c and HTTP/2
## at C=64, 100,000 random cancellations per version, shutdown with 10,000 requests in flight,
## 1,000 WebSockets for a minute; a PASS or FAIL line per bound, exit 1 when one failed.
soak: deps-test
	swift build -c release --product CurlewSoak
	bash -c 'ulimit -n 65536 2>/dev/null || ulimit -n "$$(ulimit -Hn)" 2>/dev/null || true; exec .build/release/CurlewSoak'

clean:
	rm -rf .build .build-tsan .build-asan .build-libcurl-other .build-libcurl-other-bench Examples/.build
