#!/usr/bin/env bash
# `wrk.sh URL N C PROTO`: wrk as a benchmark client, printing the matrix's one line (see
# Benchmarks/README.md). wrk runs for a duration, not a request count: it runs BENCH_WRK_SECONDS
# (default 5) with one thread and C connections, and n= is the count it reports. HTTP/1.1 only.
# Peak RSS comes from GNU time when /usr/bin/time exists, else -1.
set -euo pipefail
if [ $# -lt 4 ]; then echo "usage: wrk.sh URL N C h1|h2c|h2" >&2; exit 2; fi
url=$1 concurrency=$3 proto=$4
if [ "$proto" != h1 ]; then echo "client=wrk proto=$proto unsupported"; exit 3; fi
work="$(mktemp -d /tmp/curlew-wrk-XXXXXX)"
trap 'rm -rf "$work"' EXIT
time_cmd=()
[ -x /usr/bin/time ] && time_cmd=(/usr/bin/time -f %M -o "$work/rss")
status=0
"${time_cmd[@]}" wrk -t1 -c "$concurrency" -d "${BENCH_WRK_SECONDS:-5}s" --timeout 30s --latency "$url" \
    > "$work/out" 2> "$work/err" || status=$?
cat "$work/err" >&2
if [ "$status" != 0 ]; then cat "$work/out" >&2; exit "$status"; fi
python3 - "$work/out" "$work/rss" "$proto" "$concurrency" <<'PY'
import re, sys
out = open(sys.argv[1]).read()
try:
    rss = int(open(sys.argv[2]).read().split()[-1])
except (OSError, ValueError, IndexError):
    rss = -1
proto, concurrency = sys.argv[3], sys.argv[4]
scale = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
binary = {"": 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}
def latency(label):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s|m|h)\s*$" % label, out, re.M)
    return "%.3f" % (float(m.group(1)) * scale[m.group(2)]) if m else "nan"
m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", out)
if not m:
    sys.stderr.write(out)
    sys.exit(1)
total, seconds = int(m.group(1)), float(m.group(2)) * scale[m.group(3)] / 1e3
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
t = re.search(r"Transfer/sec:\s*([\d.]+)([KMGT]?B)", out)
mibps = float(t.group(1)) * binary[t.group(2)] / (1 << 20) if t else float("nan")
failures = 0
s = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
if s:
    failures += sum(int(x) for x in s.groups())
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
non2xx = int(bad.group(1)) if bad else 0
failures += non2xx
print("client=wrk proto=%s c=%s n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f p50_ms=%s p99_ms=%s rss_kib=%d base_rss_kib=-1"
      % (proto, concurrency, total, total - non2xx, failures, seconds, rps, mibps, latency("50"), latency("99"), rss))
PY
