#!/usr/bin/env bash
# `h2load.sh URL N C PROTO`: h2load as a benchmark client, printing the matrix's one line (see
# Benchmarks/README.md). For h2c and h2 it spreads C streams over min(C, 4) connections, as the
# HTTP clients do (h2c is prior knowledge, h2load's default for http://); for h1 it uses --h1
# with C connections. Latency percentiles come from its per-request --log-file; MiB/s counts
# body bytes. Peak RSS comes from GNU time when /usr/bin/time exists, else -1.
set -euo pipefail
if [ $# -lt 4 ]; then echo "usage: h2load.sh URL N C h1|h2c|h2" >&2; exit 2; fi
url=$1 total=$2 concurrency=$3 proto=$4
case "$proto" in
    h1) options=(--h1 -c "$concurrency" -m 1) ;;
    h2c|h2)
        connections=$(( concurrency < 4 ? concurrency : 4 ))
        streams=$(( (concurrency + connections - 1) / connections ))
        options=(-c "$connections" -m "$streams") ;;
    *) echo "client=h2load proto=$proto unsupported"; exit 3 ;;
esac
work="$(mktemp -d /tmp/curlew-h2load-XXXXXX)"
trap 'rm -rf "$work"' EXIT
time_cmd=()
[ -x /usr/bin/time ] && time_cmd=(/usr/bin/time -f %M -o "$work/rss")
# h2load takes no CA file and does not verify the server's certificate, so BENCH_CAFILE is unused.
status=0
"${time_cmd[@]}" h2load -n "$total" "${options[@]}" -t 1 --log-file="$work/log" "$url" \
    > "$work/out" 2> "$work/err" || status=$?
cat "$work/err" >&2
if [ "$status" != 0 ]; then cat "$work/out" >&2; exit "$status"; fi
python3 - "$work/out" "$work/rss" "$work/log" "$proto" "$concurrency" "$total" <<'PY'
import re, sys
out = open(sys.argv[1]).read()
try:
    rss = int(open(sys.argv[2]).read().split()[-1])
except (OSError, ValueError, IndexError):
    rss = -1
proto, concurrency, asked = sys.argv[4], sys.argv[5], int(sys.argv[6])
scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
f = re.search(r"finished in ([\d.]+)(us|ms|s), ([\d.]+) req/s", out)
r = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", out)
if not f or not r:
    sys.stderr.write(out)
    sys.exit(1)
seconds = float(f.group(1)) * scale[f.group(2)]
rps = float(f.group(3))
succeeded, failed, errored, timeout = (int(r.group(i)) for i in (4, 5, 6, 7))
codes = re.search(r"status codes: (\d+) 2xx", out)
ok = min(succeeded, int(codes.group(1))) if codes else succeeded
failures = asked - ok
d = re.search(r"\((\d+)\) data", out)
mibps = int(d.group(1)) / seconds / (1 << 20) if d and seconds > 0 else float("nan")
latencies = []
try:
    for line in open(sys.argv[3]):
        fields = line.split("\t")
        if len(fields) >= 3:
            latencies.append(int(fields[2]) / 1000.0)
except OSError:
    pass
latencies.sort()
def percentile(p):
    return "%.3f" % latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else "nan"
print("client=h2load proto=%s c=%s n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f p50_ms=%s p99_ms=%s rss_kib=%d base_rss_kib=-1"
      % (proto, concurrency, asked, ok, failures, seconds, rps, mibps, percentile(0.5), percentile(0.99), rss))
PY
