#!/usr/bin/env bash
# The example service's smoke test (`make test` runs it): builds Examples/ (GatewayService),
# starts httpbin as its downstream and the service on free loopback ports, checks that it
# answers through Curlew (with a traceparent reaching the downstream and Curlew's metrics at
# /metrics), then sends SIGTERM with a request in flight and checks that the request still
# gets its answer and the service exits 0. Servers are stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "example-smoke: FAILED: $*" >&2; echo "--- service log:" >&2; cat "$work/service.log" >&2 || true; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {  # URL: until it answers, 30 s at most
    for _ in $(seq 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

echo "== building Examples/ (GatewayService)"
# SwiftPM does not notice a file added to the root package (a path dependency) in a nested
# package's existing build plan: drop the plan so that it is made again (the objects stay).
rm -f "$root/Examples/.build/debug.yaml" "$root/Examples/.build/x86_64-unknown-linux-gnu/debug/description.json"
swift build ${SWIFT_FLAGS:-} --package-path "$root/Examples" --product GatewayService
binary="$(swift build --package-path "$root/Examples" --show-bin-path)/GatewayService"

downstream_port="$(free_port)"
python3 -m gunicorn --bind "127.0.0.1:$downstream_port" --worker-class gthread --threads 8 --graceful-timeout 1 \
    --worker-tmp-dir "$work" httpbin:app > "$work/httpbin.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$downstream_port/get" || { cat "$work/httpbin.log" >&2; fail "httpbin did not start"; }

port="$(free_port)"
PORT="$port" DOWNSTREAM_URL="http://127.0.0.1:$downstream_port" "$binary" > "$work/service.log" 2>&1 &
service=$!
pids+=("$service")
wait_http "http://127.0.0.1:$port/health" || fail "the service did not answer /health"

quote="$(curl -fsS "http://127.0.0.1:$port/quote/7")" || fail "/quote/7 failed"
grep -q "/anything/quotes/7" <<< "$quote" || fail "/quote/7 did not come from the downstream: $quote"
grep -q '"Traceparent": "00-' <<< "$quote" || fail "no traceparent reached the downstream: $quote"
metrics="$(curl -fsS "http://127.0.0.1:$port/metrics")" || fail "/metrics failed"
grep -q "http_client_request_duration" <<< "$metrics" || fail "/metrics has no http.client.request.duration"
grep -q "span GET" "$work/service.log" || fail "no client span was logged"

# SIGTERM with a request in flight (/slow waits 2 s downstream): it must still be answered.
curl -sS -o "$work/slow.out" -w '%{http_code}' "http://127.0.0.1:$port/slow" > "$work/slow.code" &
slow=$!
sleep 0.5
kill -TERM "$service"
wait "$slow" || fail "the request in flight failed at shutdown"
[ "$(cat "$work/slow.code")" = 200 ] || fail "the request in flight got $(cat "$work/slow.code") at shutdown"
status=0
wait "$service" || status=$?
pids=("${pids[@]:0:1}")
[ "$status" = 0 ] || fail "the service exited with $status after SIGTERM"
grep -q "stopped" "$work/service.log" || fail "the service did not log its end"
echo "== example-smoke: the service answered through Curlew and shut down gracefully with a request in flight"
