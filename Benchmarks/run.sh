#!/usr/bin/env bash
# Starts nginx on loopback from nginx.conf.template, builds the benchmark clients in release
# mode, runs it over HTTP/1.1 and h2c, and stops nginx. N, C and LOOPS set the run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../scripts/loopback-nginx.sh"
(cd "$here" && swift build -c release --product CurlewClient >&2)
client="$(cd "$here" && swift build -c release --show-bin-path)/CurlewClient"
"$client" "http://127.0.0.1:$H1/small" "${N:-10000}" "${C:-64}" h1 ${LOOPS:-1}
"$client" "http://127.0.0.1:$H2C/small" "${N:-10000}" "${C:-64}" h2c ${LOOPS:-1}
