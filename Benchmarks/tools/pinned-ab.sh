#!/usr/bin/env bash
# `pinned-ab.sh ROUNDS N C h1|h2c CLIENT...`: CPU per request of each client binary
# (CurlewClient or CBaseline, built with `swift build -c release` in Benchmarks/), with nginx
# pinned to CPU 1 and the client pinned to CPU 0, Curlew's tasks on its loop thread
# (CURLEW_EXECUTOR=loop). Runs the clients in turn, ROUNDS times, each for N requests at
# concurrency C against /small. Prints each client's median and minimum CPU µs per request
# (perf stat task-clock) and its median req/s.
#
# On this 2-core VM this is the steadiest way to compare two builds' cost per request: the
# matrix (run.sh) lets nginx and the client's threads share both cores, and its ratios move by
# ±15–30 % from run to run. The client runs one thread here, so the default mode's hand-offs are
# not measured: use run.sh for those. Needs perf, taskset and the matrix's nginx.
set -euo pipefail
if [ $# -lt 5 ]; then echo "usage: pinned-ab.sh ROUNDS N C h1|h2c CLIENT..." >&2; exit 2; fi
rounds=$1 total=$2 concurrency=$3 proto=$4
shift 4
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# nginx inherits the affinity of the shell that starts it.
taskset -p -c 1 $$ > /dev/null
# shellcheck source=../../scripts/loopback-nginx.sh
source "$root/scripts/loopback-nginx.sh"
taskset -p -c 0,1 $$ > /dev/null
case $proto in
    h1) port=$H1 ;;
    h2c) port=$H2C ;;
    *) echo "pinned-ab.sh: h1 or h2c, not $proto" >&2; exit 2 ;;
esac
for _ in $(seq 30); do
    curl -sf -o /dev/null "http://127.0.0.1:$H1/small" && break
    sleep 0.2
done
work="$(mktemp -d /tmp/curlew-pinned-XXXXXX)"
trap 'rm -rf "$work"; loopback_nginx_stop' EXIT
for _ in $(seq "$rounds"); do
    for client in "$@"; do
        CURLEW_EXECUTOR=loop perf stat -e task-clock -x, -o "$work/stat" \
            taskset -c 0 "$client" "http://127.0.0.1:$port/small" "$total" "$concurrency" "$proto" > "$work/out"
        cpu=$(awk -F, -v n="$total" '/task-clock/ { printf "%.2f", $1 * 1000 / n }' "$work/stat")
        rps=$(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' "$work/out")
        echo "$client $cpu $rps" >> "$work/results"
    done
done
python3 - "$work/results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    client, cpu, rps = line.split()
    runs[client].append((float(cpu), float(rps)))
for client, values in runs.items():
    cpu = sorted(v[0] for v in values)
    print(f"{client}: CPU µs/request median {statistics.median(cpu):.2f}, min {cpu[0]:.2f} (all {cpu}); "
          f"req/s median {statistics.median(v[1] for v in values):.0f}")
PY
