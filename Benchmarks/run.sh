#!/usr/bin/env bash
# Starts nginx on loopback from nginx.conf.template, builds the benchmark clients in release
# mode, runs the given configurations, and stops nginx. Usage: run.sh [quick]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="$(mktemp -d /tmp/curlew-bench-nginx-XXXXXX)"
mkdir -p "$prefix"/{logs,tmp,www}
head -c 5 /dev/zero | tr '\0' 'x' > /dev/null
python3 -c "import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(1 << 20)))" > "$prefix/www/big"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$prefix/key.pem" \
    -out "$prefix/cert.pem" -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
read -r H1 H2C H2 < <(python3 - <<'PY'
import socket
sockets = [socket.socket() for _ in range(3)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in sockets])
PY
)
user=""; [ "$(id -u)" = 0 ] && user="user root;"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@H1@|$H1|" -e "s|@H2C@|$H2C|" -e "s|@H2@|$H2|" -e "s|@USER@|$user|" \
    "$here/nginx.conf.template" > "$prefix/nginx.conf"
nginx -p "$prefix" -c "$prefix/nginx.conf" -e stderr -g 'daemon off;' 2> "$prefix/logs/stderr.log" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$prefix"' EXIT
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$H1) 2>/dev/null && break
    sleep 0.05
done
(cd "$here" && swift build -c release --product CurlewClient >&2)
client="$(cd "$here" && swift build -c release --show-bin-path)/CurlewClient"
"$client" "http://127.0.0.1:$H1/small" "${N:-10000}" "${C:-64}" h1 ${LOOPS:-1}
"$client" "http://127.0.0.1:$H2C/small" "${N:-10000}" "${C:-64}" h2c ${LOOPS:-1}
