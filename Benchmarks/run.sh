#!/usr/bin/env bash
# The benchmark matrix, in one command (`make bench` calls it; see Benchmarks/README.md):
# installs the Debian packages it needs, builds the Benchmarks products in release mode, starts
# nginx (scripts/loopback-nginx.sh) and slow_server.py on loopback, runs every configuration x
# client for ROUNDS rounds interleaved, writes the raw lines to results/, prints the markdown table
# (table.py) and stops the servers on exit, Ctrl-C included.
#
# Environment: ROUNDS (3), CLIENTS, CONFIGS, BENCH_SCALE (1), BENCH_INFLIGHT (10000),
# BENCH_SLOW_DELAY (5), BENCH_WRK_SECONDS (5), BENCH_TIMEOUT (300), BENCH_PAUSE (1), LOOPS (1),
# BENCH_SKIP_BUILD, BENCH_BIN, BENCH_SKIP_INSTALL, BENCH_LIBCURL_LIBDIR (the folder of another
# libcurl the clients in BENCH_BIN were built against); BENCH_BEFORE_BIN, a folder holding a
# CurlewClient built from another commit, which the client `curlew-before` runs (A/B in one run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-curlew curlew-loop curlew-2loops c-baseline ahc urlsession wrk h2load}"
BENCH_SCALE="${BENCH_SCALE:-1}"
BENCH_INFLIGHT="${BENCH_INFLIGHT:-10000}"
BENCH_SLOW_DELAY="${BENCH_SLOW_DELAY:-5}"
BENCH_WRK_SECONDS="${BENCH_WRK_SECONDS:-5}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-300}"
BENCH_PAUSE="${BENCH_PAUSE:-1}"
LOOPS="${LOOPS:-1}"
export BENCH_WRK_SECONDS

# name  endpoint  proto  C  N  metric. h3 is served by Tests/Servers/h3_server.py (hypercorn with
# aioquic: nginx 1.22 has no HTTP/3), ws by Tests/Servers/ws_server.py (websockets); both are
# Python, so their rows measure the clients against a slower server than nginx.
ALL_CONFIGS=(
    "small-h1-c1    small h1  1     5000  rps"
    "small-h1-c16   small h1  16    20000 rps"
    "small-h1-c128  small h1  128   20000 rps"
    "small-h2c-c16  small h2c 16    20000 rps"
    "small-h2c-c128 small h2c 128   20000 rps"
    "small-h2-c16   small h2  16    20000 rps"
    "small-h3-c16   hello h3  16    5000  rps"
    "ws-echo-c16    echo  ws  16    50000 msgps"
    "big-h1-c4      big   h1  4     400   mibps"
    "inflight-h1    slow  h1  -     -     kib_per_inflight"
    # The cost curves (curves.py): Curlew and c-baseline only.
    "curve-h1-c1       small h1  1     3000  rps"
    "curve-h1-c4       small h1  4     10000 rps"
    "curve-h1-c16      small h1  16    20000 rps"
    "curve-h1-c64      small h1  64    20000 rps"
    "curve-h1-c256     small h1  256   20000 rps"
    "curve-h1-c1024    small h1  1024  20000 rps"
    "curve-h2c-c1      small h2c 1     3000  rps"
    "curve-h2c-c4      small h2c 4     10000 rps"
    "curve-h2c-c16     small h2c 16    20000 rps"
    "curve-h2c-c64     small h2c 64    20000 rps"
    "curve-h2c-c256    small h2c 256   20000 rps"
    "curve-h2c-c1024   small h2c 1024  20000 rps"
    "curve-inflight-100    slow h1 i100    - kib_per_inflight"
    "curve-inflight-1000   slow h1 i1000   - kib_per_inflight"
    "curve-inflight-10000  slow h1 i10000  - kib_per_inflight"
)
CONFIGS="${CONFIGS:-$(for c in "${ALL_CONFIGS[@]}"; do printf '%s ' "${c%% *}"; done)}"

say() { printf '%s\n' "$*" >&2; }

# --- 1. Debian packages ------------------------------------------------------------------------
PACKAGES=(libcurl4-gnutls-dev libev-dev nginx openssl python3 wrk nghttp2-client time gnuplot-nox)
install_missing() {
    if ! command -v dpkg-query >/dev/null; then
        say "run.sh: no dpkg-query; install by hand: ${PACKAGES[*]}"
        return
    fi
    local missing=() package sudo=""
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} = 0 ] && return
    [ "$(id -u)" = 0 ] || sudo=sudo
    say "Installing: ${missing[*]}"
    $sudo apt-get update -q >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}
[ "${BENCH_SKIP_INSTALL:-}" = 1 ] || install_missing

# --- 2. Open files: 10,000 sockets in flight in one client -------------------------------------
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile="$(ulimit -n)"
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((BENCH_INFLIGHT + 256)) ]; then
    say "run.sh: warning: ulimit -n is $nofile, below the $BENCH_INFLIGHT in-flight sockets the inflight run needs"
fi

# --- 3. Build ----------------------------------------------------------------------------------
PRODUCTS=(CurlewClient CBaseline AHCClient URLSessionClient)
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
    say "Building the Benchmarks products (release)"
    if ! (cd "$here" && swift build -c release >&2); then
        # One product that does not compile should not cost the others their runs: build them
        # one by one; a product left unbuilt is recorded as failed runs.
        say "run.sh: the release build failed; building the products one by one"
        for product in "${PRODUCTS[@]}"; do
            (cd "$here" && swift build -c release --product "$product" >&2) || say "run.sh: $product did not build"
        done
    fi
fi
bin="${BENCH_BIN:-$(cd "$here" && swift build -c release --show-bin-path)}"
# Clients built against another libcurl (make bench-other-libcurl) load it from here.
if [ -n "${BENCH_LIBCURL_LIBDIR:-}" ]; then
    export BENCH_LIBCURL_LIBDIR
    export LD_LIBRARY_PATH="$BENCH_LIBCURL_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

client_command() {  # client name -> the command, in the array `command`
    case "$1" in
        curlew) command=("$bin/CurlewClient") ;;
        curlew-before) command=("${BENCH_BEFORE_BIN:-/nonexistent}/CurlewClient") ;;
        curlew-loop) command=(env CURLEW_EXECUTOR=loop "$bin/CurlewClient") ;;
        curlew-observed) command=(env CURLEW_BENCH_OBSERVED=1 "$bin/CurlewClient") ;;
        curlew-2loops) command=("$bin/CurlewClient") ;;
        c-baseline) command=("$bin/CBaseline") ;;
        ahc) command=("$bin/AHCClient") ;;
        urlsession) command=("$bin/URLSessionClient") ;;
        wrk) command=(bash "$here/tools/wrk.sh") ;;
        h2load) command=(bash "$here/tools/h2load.sh") ;;
        *) return 1 ;;
    esac
}
for client in $CLIENTS; do
    client_command "$client" || { say "run.sh: unknown client $client (known: curlew curlew-before curlew-loop curlew-observed curlew-2loops c-baseline ahc urlsession wrk h2load)"; exit 2; }
done

known_configs=" $(for c in "${ALL_CONFIGS[@]}"; do printf '%s ' "${c%% *}"; done)"
for config in $CONFIGS; do
    [[ "$known_configs" == *" $config "* ]] || { say "run.sh: unknown configuration $config (known:$known_configs)"; exit 2; }
done

# --- 4. Servers, stopped on exit -------------------------------------------------------------
run_pid=""
slow_pid=""
h3_pid=""
ws_pid=""
cleanup() {
    set +e  # a kill or wait that fails must not end the cleanup early
    trap '' INT TERM
    if [ -n "$run_pid" ]; then kill -TERM "$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null; fi
    for pid in "$slow_pid" "$h3_pid" "$ws_pid"; do
        if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    done
    if declare -F loopback_nginx_stop >/dev/null; then loopback_nginx_stop; fi
}
trap cleanup EXIT
trap 'say "run.sh: interrupted"; exit 130' INT
trap 'exit 143' TERM

source "$here/../scripts/loopback-nginx.sh"
trap cleanup EXIT  # loopback-nginx.sh set its own; cleanup calls loopback_nginx_stop
python3 "$here/slow_server.py" "$BENCH_SLOW_DELAY" --port-file "$NGINX_PREFIX/slow.port" 2> "$NGINX_PREFIX/logs/slow.log" &
slow_pid=$!
for _ in $(seq 200); do
    [ -s "$NGINX_PREFIX/slow.port" ] && break
    kill -0 "$slow_pid" 2>/dev/null || break
    sleep 0.05
done
if [ ! -s "$NGINX_PREFIX/slow.port" ]; then
    say "slow_server.py did not start:"; cat "$NGINX_PREFIX/logs/slow.log" >&2; exit 1
fi
SLOW="$(cat "$NGINX_PREFIX/slow.port")"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
servers="$here/../Tests/Servers"
needs() { [[ " $CONFIGS " == *" $1 "* ]]; }
if needs small-h3-c16; then
    H3="$(free_port)"
    python3 "$servers/h3_server.py" --port "$H3" --cert "$NGINX_CERT" --key "$NGINX_PREFIX/key.pem" \
        > "$NGINX_PREFIX/logs/h3.log" 2>&1 &
    h3_pid=$!
    for _ in $(seq 600); do grep -q "h3_server ready" "$NGINX_PREFIX/logs/h3.log" && break; kill -0 "$h3_pid" 2>/dev/null || break; sleep 0.05; done
    grep -q "h3_server ready" "$NGINX_PREFIX/logs/h3.log" || { say "h3_server.py did not start (make deps-python installs hypercorn and aioquic):"; cat "$NGINX_PREFIX/logs/h3.log" >&2; exit 1; }
fi
if needs ws-echo-c16; then
    WS="$(free_port)"
    python3 "$servers/ws_server.py" --port "$WS" > "$NGINX_PREFIX/logs/ws.log" 2>&1 &
    ws_pid=$!
    for _ in $(seq 400); do (exec 3<>"/dev/tcp/127.0.0.1/$WS") 2>/dev/null && break; kill -0 "$ws_pid" 2>/dev/null || break; sleep 0.05; done
    (exec 3<>"/dev/tcp/127.0.0.1/$WS") 2>/dev/null || { say "ws_server.py did not start (make deps-python installs websockets):"; cat "$NGINX_PREFIX/logs/ws.log" >&2; exit 1; }
fi

url_for() {  # endpoint proto -> URL
    case "$1:$2" in
        slow:h1) echo "http://127.0.0.1:$SLOW/slow" ;;
        *:h1) echo "http://127.0.0.1:$H1/$1" ;;
        *:h2c) echo "http://127.0.0.1:$H2C/$1" ;;
        *:h2) echo "https://127.0.0.1:$H2/$1" ;;
        *:h3) echo "https://127.0.0.1:$H3/$1" ;;
        *:ws) echo "ws://127.0.0.1:$WS/$1" ;;
    esac
}

applies() {  # client config proto -> whether the client runs that configuration
    case "$1" in
        *) [[ "$2" != curve-* ]] || [ "$1" = curlew ] || [ "$1" = c-baseline ] || return 1 ;;&
        wrk) [ "$3" = h1 ] && [[ "$2" != inflight-* ]] ;;
        h2load) [ "$3" = h2c ] || [ "$3" = h2 ] ;;
        # Two loops only pay with two origins: the cleartext /small runs, over four loopback addresses.
        curlew-2loops) [ "$3" = h1 ] || [ "$3" = h2c ] && [[ "$2" == small-* ]] ;;
        *) true ;;
    esac
}

# --- 5. Results --------------------------------------------------------------------------------
results_dir="$here/results"
mkdir -p "$results_dir"
stamp="$(date +%Y%m%d-%H%M%S)"
results="$results_dir/run-$stamp.txt"
failure_log="$results_dir/run-$stamp.log"
python3 "$here/table.py" --meta rounds="$ROUNDS" scale="$BENCH_SCALE" inflight="$BENCH_INFLIGHT" \
    slow_delay_s="$BENCH_SLOW_DELAY" wrk_seconds="$BENCH_WRK_SECONDS" loops="$LOOPS" ulimit_n="$nofile" > "$results"
cp "$results" "$results_dir/latest.txt"

# Runs one client once and appends its line, prefixed with config=, round=, metric= and run=
# (ok, unsupported or failed, with why= for a failure), to the results.
run_one() {
    local round=$1 config=$2 endpoint=$3 proto=$4 c=$5 n=$6 metric=$7 client=$8
    local url out err rc=0 line why="" command
    url="$(url_for "$endpoint" "$proto")"
    client_command "$client"
    out="$NGINX_PREFIX/run.out" err="$NGINX_PREFIX/run.err"
    local extra=()
    [[ "$client" == curlew* ]] && extra=("$LOOPS")
    [ "$client" = curlew-2loops ] && extra=(2)
    # URLSession on Linux cannot be told to trust a CA (swift-corelibs-foundation reads no CA
    # setting outside Android): as root, give it a private mount namespace in which the system
    # bundle is the throwaway certificate, so that it verifies nginx's certificate like the others.
    if [ "$client" = urlsession ] && [ "$proto" = h2 ] && [ "$(id -u)" = 0 ] \
        && unshare -m true 2>/dev/null && [ -e /etc/ssl/certs/ca-certificates.crt ]; then
        command=(unshare -m bash -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' "$NGINX_CERT" "${command[@]}")
    fi
    if [ "${command[0]}" != bash ] && [ "${command[0]}" != env ] && [ "${command[0]}" != unshare ] && [ ! -x "${command[0]}" ]; then
        rc=127; : > "$out"; echo "no such program: ${command[0]}" > "$err"
    else
        # GNU time: the client process's CPU seconds and context switches, for the per-request
        # columns (the load generators' figures are theirs, not a client's).
        BENCH_CAFILE="$NGINX_CERT" /usr/bin/time -o "$NGINX_PREFIX/run.time" -f "cpu_s=%U+%S cs=%c+%w" \
            timeout -k 10 "$BENCH_TIMEOUT" "${command[@]}" "$url" "$n" "$c" "$proto" "${extra[@]}" \
            > "$out" 2> "$err" < /dev/null &
        run_pid=$!
        wait "$run_pid" || rc=$?
        run_pid=""
    fi
    line="$(grep '^client=' "$out" | tail -n 1 || true)"
    [ "$client" = curlew-before ] && line="${line/client=curlew /client=curlew-before }"
    if [ -n "$line" ] && [ -s "$NGINX_PREFIX/run.time" ]; then
        line="$line $(tail -n 1 "$NGINX_PREFIX/run.time")"
    fi
    local prefix="config=$config round=$round metric=$metric"
    if [ "$rc" = 3 ] && [[ "$line" == *" unsupported"* ]]; then
        echo "$prefix run=unsupported $line" >> "$results"
        say "  $client: unsupported"
    elif [ "$rc" = 0 ] && [ -n "$line" ]; then
        echo "$prefix run=ok $line" >> "$results"
        say "  $client: $(python3 "$here/table.py" --summary "$prefix $line")"
    else
        case "$rc" in
            0) why=no-result ;;
            124|137) why=timeout ;;
            127) why=missing ;;
            *) if [ "$rc" -gt 128 ]; then why="signal-$((rc - 128))"; else why="exit-$rc"; fi ;;
        esac
        if [ -n "$line" ]; then
            echo "$prefix run=failed why=$why $line" >> "$results"
        else
            echo "$prefix run=failed why=$why client=$client proto=$proto c=$c n=$n" >> "$results"
        fi
        say "  $client: FAILED ($why; stderr in $failure_log)"
        {
            echo "=== round $round $config $client: $why (exit $rc): ${command[*]} $url $n $c $proto ${extra[*]}"
            tail -n 20 "$out"
            tail -n 50 "$err"
        } >> "$failure_log"
    fi
    cp "$results" "$results_dir/latest.txt"
}

scaled() {  # N C -> N times BENCH_SCALE, at least C
    python3 -c 'import sys; n, c, s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]); print(max(c, round(n * s)))' "$1" "$2" "$BENCH_SCALE"
}

# --- 6. The matrix, interleaved by round -------------------------------------------------------
for round in $(seq "$ROUNDS"); do
    for spec in "${ALL_CONFIGS[@]}"; do
        read -r config endpoint proto c n metric <<< "$spec"
        [[ " $CONFIGS " == *" $config "* ]] || continue
        if [ "$c" = - ]; then c=$BENCH_INFLIGHT; n=$BENCH_INFLIGHT
        elif [[ "$c" == i* ]]; then c=${c#i}; n=$c
        else n="$(scaled "$n" "$c")"; fi
        say "[round $round/$ROUNDS] $config ($proto C=$c N=$n)"
        for client in $CLIENTS; do
            applies "$client" "$config" "$proto" || continue
            run_one "$round" "$config" "$endpoint" "$proto" "$c" "$n" "$metric" "$client"
            sleep "$BENCH_PAUSE"
        done
    done
done

# --- 7. The table ------------------------------------------------------------------------------
python3 "$here/table.py" "$results" > "$results_dir/run-$stamp.md"
cp "$results_dir/run-$stamp.md" "$results_dir/latest.md"
cat "$results_dir/latest.md"
if grep -q "^config=curve-" "$results"; then
    python3 "$here/curves.py" "$results" --markdown "$results_dir/curves-$stamp.md" --svg "$results_dir/curves-$stamp.svg" > /dev/null
    cp "$results_dir/curves-$stamp.md" "$results_dir/latest-curves.md"
    [ -s "$results_dir/curves-$stamp.svg" ] && cp "$results_dir/curves-$stamp.svg" "$results_dir/latest-curves.svg"
    sed -i "s|(curves-$stamp.svg)|(latest-curves.svg)|" "$results_dir/latest-curves.md"
    say "Cost curves: results/latest-curves.md and results/latest-curves.svg"
fi
say "Raw lines: $results (and results/latest.txt); table: results/latest.md"
[ -s "$failure_log" ] && say "Failed runs' output: $failure_log"
exit 0
