#!/usr/bin/env python3
"""The benchmark matrix's table, from run.sh's raw results (python3 standard library only).

    table.py RESULTS            the markdown table of a results file (run.sh writes results/latest.txt)
    table.py --meta [K=V ...]   the '# key: value' header lines run.sh starts a results file with:
                                date, machine, kernel, versions, then each K=V given
    table.py --summary LINE     one run's result in a few words (run.sh's progress output)

A results line is space-separated key=value fields: run.sh's config=, round=, metric= (rps, mibps or
kib_per_inflight) and run= (ok, unsupported or failed, with why=), then the client's own line
(client= proto= c= n= ok= failures= seconds= rps= mibps= p50_ms= p99_ms= rss_kib= base_rss_kib=).
"""
import datetime
import math
import os
import platform
import re
import statistics
import subprocess
import sys

BASELINE = "c-baseline"
METRICS = {
    "rps": ("requests/s", "req/s"),
    "msgps": ("WebSocket echoes/s", "msg/s"),
    "mibps": ("MiB/s", "MiB/s"),
    "kib_per_inflight": ("KiB per in-flight request", "KiB/req"),
}


def number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return math.nan
    return value


def parse(line):
    fields = {}
    for token in line.split():
        key, sep, value = token.partition("=")
        if sep:
            fields[key] = value
        else:
            fields[token] = True
    return fields


def metric_value(fields):
    metric = fields.get("metric", "rps")
    if metric == "kib_per_inflight":
        rss, base, c = number(fields.get("rss_kib")), number(fields.get("base_rss_kib")), number(fields.get("c"))
        if rss < 0 or base < 0 or not c > 0:
            return math.nan
        return (rss - base) / c
    if metric == "msgps":  # a WebSocket client's rps= counts echoed messages
        return number(fields.get("rps"))
    return number(fields.get(metric))


def per_request(fields, key):
    """CPU microseconds (cpu_s=user+sys) or context switches (cs=involuntary+voluntary) per
    request of a run, from GNU time's fields; NaN when absent or for the in-flight runs."""
    if fields.get("metric") == "kib_per_inflight":
        return math.nan
    parts = str(fields.get(key, "")).split("+")
    n = number(fields.get("ok")) if "ok" in fields else number(fields.get("n"))
    try:
        total = sum(float(p) for p in parts)
    except ValueError:
        return math.nan
    if not n > 0:
        return math.nan
    return total / n * (1e6 if key == "cpu_s" else 1)


def finite(values):
    return [v for v in values if not math.isnan(v) and v >= 0]


def fmt(value, metric=None):
    if value is None or math.isnan(value):
        return "–"
    if metric in ("rps", "msgps"):
        return "%.0f" % value
    if metric == "kib_per_inflight":
        return "%.2f" % value
    if abs(value) >= 100:
        return "%.0f" % value
    if abs(value) >= 10:
        return "%.1f" % value
    if abs(value) >= 1:
        return "%.2f" % value
    return "%.3f" % value


def ratio(value, base):
    if value is None or base is None or math.isnan(value) or math.isnan(base) or base == 0:
        return "–"
    return "%.2f×" % (value / base)


def median(values):
    values = finite(values)
    return statistics.median(values) if values else math.nan


def table(path):
    meta, rows, order_configs, order_clients = [], {}, [], []
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                meta.append(line.lstrip("# "))
                continue
            fields = parse(line)
            config, client = fields.get("config", "?"), fields.get("client", "?")
            if config not in order_configs:
                order_configs.append(config)
            if client not in order_clients:
                order_clients.append(client)
            rows.setdefault((config, client), []).append(fields)

    out = ["# Curlew benchmark matrix", ""]
    out += ["- " + m for m in meta]
    out += [
        "",
        "Each cell is the median over the rounds, with (min–max) for the main figure. The ratios are "
        "medians over %s's medians: above 1 is faster for requests/s and MiB/s, and more memory for "
        "KiB per in-flight request; for p99 above 1 is slower. wrk and h2load are load generators "
        "bound by the server, shown for its ceiling. Failures are failed requests summed over the "
        "rounds; runs counts the runs that printed a result (a timeout, crash or missing result line "
        "counts as a failed run)." % BASELINE,
        "",
        "CPU µs/req is the client process's user plus system CPU time over its requests, and "
        "cs/req its voluntary plus involuntary context switches per request (GNU time), medians "
        "over the rounds.",
        "",
        "| configuration | client | figure | median (min–max) | × %s | p50 ms | p99 ms | p99 × %s | CPU µs/req | cs/req | failures | runs |"
        % (BASELINE, BASELINE),
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for config in order_configs:
        baseline = rows.get((config, BASELINE), [])
        base_ok = [r for r in baseline if r.get("run") == "ok"]
        base_value = median([metric_value(r) for r in base_ok]) if base_ok else math.nan
        base_p99 = median([number(r.get("p99_ms")) for r in base_ok]) if base_ok else math.nan
        for client in order_clients:
            runs = rows.get((config, client))
            if not runs:
                continue
            metric = runs[0].get("metric", "rps")
            label = METRICS.get(metric, (metric, metric))[1]
            ok = [r for r in runs if r.get("run") == "ok"]
            failed = [r for r in runs if r.get("run") == "failed"]
            if all(r.get("run") == "unsupported" for r in runs):
                out.append("| %s | %s | %s | unsupported | | | | | | | | |" % (config, client, label))
                continue
            values = finite([metric_value(r) for r in ok])
            if values:
                value = statistics.median(values)
                cell = "%s (%s–%s)" % (fmt(value, metric), fmt(min(values), metric), fmt(max(values), metric))
            else:
                value = math.nan
                cell = "–"
            p50 = median([number(r.get("p50_ms")) for r in ok])
            p99 = median([number(r.get("p99_ms")) for r in ok])
            cpu = median([per_request(r, "cpu_s") for r in ok])
            switches = median([per_request(r, "cs") for r in ok])
            failures = sum(int(number(r.get("failures"))) for r in runs if not math.isnan(number(r.get("failures"))))
            why = {}
            for r in failed:
                why[r.get("why", "failed")] = why.get(r.get("why", "failed"), 0) + 1
            counted = [r for r in runs if r.get("run") != "unsupported"]
            runs_cell = "%d/%d" % (len(ok), len(counted))
            if why:
                runs_cell += " (" + ", ".join("%d %s" % (n, w) for w, n in sorted(why.items())) + ")"
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |" % (
                config, client, label, cell,
                "1.00×" if client == BASELINE and values else ratio(value, base_value),
                fmt(p50), fmt(p99),
                "1.00×" if client == BASELINE and not math.isnan(p99) else ratio(p99, base_p99),
                fmt(cpu), fmt(switches),
                failures, runs_cell))
    return "\n".join(out) + "\n"


def first_line(command):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return "not found"
    for text in (done.stdout, done.stderr):
        for line in text.splitlines():
            if line.strip():
                return line.strip()
    return "unknown"



def libcurl_version():
    """The libcurl the clients load: BENCH_LIBCURL_LIBDIR's when set, else the installed one."""
    folder = os.environ.get("BENCH_LIBCURL_LIBDIR")
    if not folder:
        return first_line(["curl-config", "--version"])
    import ctypes
    library = ctypes.CDLL(os.path.join(folder, "libcurl-gnutls.so.4"))
    library.curl_version.restype = ctypes.c_char_p
    return library.curl_version().decode().split()[0].replace("/", " ")

def meta(extra):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 0
    memory = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory = "%.1f GiB RAM" % (int(line.split()[1]) / (1 << 20))
                    break
    except OSError:
        pass
    load = ""
    try:
        load = ", load average %s at start" % " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        pass
    libev = first_line(["dpkg-query", "-W", "-f=${Version}", "libev4"])
    wrk = re.sub(r"\s*Copyright.*", "", first_line(["wrk", "-v"]))
    lines = [
        "date: " + datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine: %s, %d cores, %s%s" % (cpu, cores, memory, load),
        "kernel: %s %s" % (platform.system(), platform.release()),
        "swift: " + first_line(["swift", "--version"]),
        "libcurl: " + libcurl_version(),
        "libev: " + libev,
        "nginx: " + first_line(["nginx", "-v"]).replace("nginx version: ", ""),
        "wrk: " + wrk,
        "h2load: " + first_line(["h2load", "--version"]),
    ]
    for item in extra:
        key, _, value = item.partition("=")
        lines.append("%s: %s" % (key, value))
    return "".join("# %s\n" % line for line in lines)


def summary(line):
    fields = parse(line)
    metric = fields.get("metric", "rps")
    label = METRICS.get(metric, (metric, metric))[1]
    return "%s %s, p50 %s ms, p99 %s ms, failures %s" % (
        fmt(metric_value(fields), metric), label, fmt(number(fields.get("p50_ms"))),
        fmt(number(fields.get("p99_ms"))), fields.get("failures", "?"))


def main(arguments):
    if arguments[:1] == ["--meta"]:
        sys.stdout.write(meta(arguments[1:]))
    elif arguments[:1] == ["--summary"] and len(arguments) == 2:
        print(summary(arguments[1]))
    elif len(arguments) == 1 and not arguments[0].startswith("-"):
        sys.stdout.write(table(arguments[0]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
