#!/usr/bin/env bash
# The 1 GiB figures of the files feature: `curlew get -o` downloads a file from nginx on
# loopback and `curlew get -T` uploads one to it, each run under /usr/bin/time for the
# process's peak RSS, at 16 MiB and at 1 GiB: flat means the two peaks are alike.
# Usage: bash scripts/large-files.sh [size in MiB, default 1024]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
large_mib="${1:-1024}"
swift build -c release --product curlew 2>&1 | tail -1
curlew="$(swift build -c release --show-bin-path)/curlew"
source scripts/loopback-nginx.sh
work="$(mktemp -d /tmp/curlew-large-XXXXXX)"
trap 'rm -rf "$work"; loopback_nginx_stop' EXIT

peak_kib() { /usr/bin/time -f '%M' -o "$work/time" "$@" > "$work/out" 2> "$work/err" && cat "$work/time"; }

printf '%-10s %-10s %14s %14s\n' direction size 'peak RSS (MiB)' 'seconds'
for mib in 16 "$large_mib"; do
    truncate -s "${mib}M" "$NGINX_PREFIX/www/huge"
    start=$(date +%s.%N)
    kib=$(peak_kib "$curlew" get -o "$work/down" "http://127.0.0.1:$H1/huge")
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    [ "$(stat -c %s "$work/down")" = $((mib << 20)) ] || { echo "download of $mib MiB came out $(stat -c %s "$work/down") bytes" >&2; exit 1; }
    printf '%-10s %-10s %14.1f %14.2f\n' download "${mib} MiB" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" "$seconds"
    start=$(date +%s.%N)
    kib=$(peak_kib "$curlew" get -# -T "$work/down" "http://127.0.0.1:$H1/upload")
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    [ "$(cat "$work/out")" = "received $((mib << 20))" ] || { echo "upload of $mib MiB: $(cat "$work/out")" >&2; exit 1; }
    printf '%-10s %-10s %14.1f %14.2f\n' upload "${mib} MiB" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" "$seconds"
    rm -f "$work/down"
done
