#!/usr/bin/env bash
# The main job: build curlew in release mode, start nginx on loopback, load it over HTTP/1.1,
# h2c and HTTP/2 over TLS, fetch a page, print the reports, stop nginx.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product curlew >&2
curlew="$(swift build -c release --show-bin-path)/curlew"
source "$root/scripts/loopback-nginx.sh"
echo "== curlew load over HTTP/1.1"
"$curlew" load -n 10000 -c 64 --http1.1 "http://127.0.0.1:$H1/small"
echo
echo "== curlew load over HTTP/2 (h2c, prior knowledge)"
"$curlew" load -n 10000 -c 64 --http2-prior-knowledge "http://127.0.0.1:$H2C/small"
echo
echo "== curlew load over HTTP/1.1 at a held rate (2000 requests/s, latency from intended starts)"
"$curlew" load -n 4000 -c 16 --rate 2000 --http1.1 "http://127.0.0.1:$H1/small"

echo "== curlew load over HTTP/2 with TLS"
"$curlew" load -n 5000 -c 64 --cacert "$NGINX_CERT" "https://localhost:$H2/small"
echo
echo "== curlew get -v of a page"
"$curlew" get -v --cacert "$NGINX_CERT" "https://localhost:$H2/index.html"
