# Sourced by the demo and the benchmarks: starts nginx on free loopback ports from
# Benchmarks/nginx.conf.template with a throwaway certificate, and stops it on exit.
# Sets NGINX_PREFIX, H1 (HTTP/1.1), H2C (h2c prior knowledge) and H2 (HTTP/2 over TLS) ports,
# and NGINX_CERT (the certificate, usable as --cacert; it names localhost and 127.0.0.1).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NGINX_PREFIX="$(mktemp -d /tmp/curlew-nginx-XXXXXX)"
mkdir -p "$NGINX_PREFIX"/{logs,tmp,www}
python3 -c "import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(1 << 20)))" > "$NGINX_PREFIX/www/big"
printf '<!doctype html><title>Curlew</title><p>Hello from nginx on loopback.</p>\n' > "$NGINX_PREFIX/www/index.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$NGINX_PREFIX/key.pem" \
    -out "$NGINX_PREFIX/cert.pem" -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
NGINX_CERT="$NGINX_PREFIX/cert.pem"
read -r H1 H2C H2 < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(3)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in sockets])')
nginx_user=""; [ "$(id -u)" = 0 ] && nginx_user="user root;"
sed -e "s|@PREFIX@|$NGINX_PREFIX|g" -e "s|@H1@|$H1|" -e "s|@H2C@|$H2C|" -e "s|@H2@|$H2|" -e "s|@USER@|$nginx_user|" \
    "$root/Benchmarks/nginx.conf.template" > "$NGINX_PREFIX/nginx.conf"
nginx -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/nginx.conf" -e stderr -g 'daemon off;' 2> "$NGINX_PREFIX/logs/stderr.log" &
nginx_pid=$!
# Stops nginx and removes its directory; the EXIT trap calls it (a script that sets its own
# EXIT trap after sourcing this file calls it from there).
loopback_nginx_stop() {
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    rm -rf "$NGINX_PREFIX"
}
trap loopback_nginx_stop EXIT
for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$H2") 2>/dev/null && break
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.05
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$H2") 2>/dev/null; then
    echo "nginx did not start:" >&2
    cat "$NGINX_PREFIX/logs/stderr.log" >&2
    exit 1
fi
