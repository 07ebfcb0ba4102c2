#!/usr/bin/env python3
"""The cost curves of a benchmark run: how requests/s, p99 and CPU per request grow with
concurrency (the curve-h1-cN and curve-h2c-cN rows), and RSS with requests in flight (the
curve-inflight-N rows), for each client; medians over the rounds.

    curves.py RESULTS --markdown OUT.md --svg OUT.svg

Writes the tables as markdown and draws the curves with gnuplot (Debian's gnuplot-nox) as SVG;
without gnuplot it writes the tables and says so.
"""
import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import table  # noqa: E402  (the same parsing as the main table)

ROW = re.compile(r"^curve-(h1|h2c)-c(\d+)$")
INFLIGHT = re.compile(r"^curve-inflight-(\d+)$")


def collect(path):
    """{(series, x): {client: {figure: [values]}}} from the ok runs of the curve rows."""
    points = {}
    with open(path) as results:
        for line in results:
            if line.startswith("#") or "run=ok" not in line:
                continue
            fields = table.parse(line)
            config, client = fields.get("config", ""), fields.get("client", "")
            match, inflight = ROW.match(config), INFLIGHT.match(config)
            if match:
                key = (match.group(1), int(match.group(2)))
                figures = {"rps": table.number(fields.get("rps")), "p99": table.number(fields.get("p99_ms")),
                           "cpu": table.per_request(fields, "cpu_s"), "cs": table.per_request(fields, "cs")}
            elif inflight:
                key = ("inflight", int(inflight.group(1)))
                figures = {"kib": table.metric_value(fields)}
            else:
                continue
            slot = points.setdefault(key, {}).setdefault(client, {})
            for name, value in figures.items():
                slot.setdefault(name, []).append(value)
    return points


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def fmt(value, digits=3):
    if math.isnan(value):
        return "–"
    return f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:.0f}"


def markdown(points, clients):
    lines = ["# Cost curves", "",
             "Medians over the rounds of one `make bench` run. Concurrency rows: `/small` from nginx (one worker) "
             "on loopback; CPU µs/req and cs/req from GNU time over the whole client process. In-flight rows: "
             "the client's RSS growth per request held open on the slow server.", ""]
    for series in ("h1", "h2c"):
        xs = sorted(x for (s, x) in points if s == series)
        if not xs:
            continue
        lines += [f"## {series}: against concurrency", "",
                  "| C | " + " | ".join(f"{c} req/s | {c} p99 ms | {c} CPU µs/req | {c} cs/req" for c in clients) + " |",
                  "|---:|" + "---:|" * (4 * len(clients))]
        for x in xs:
            cells = []
            for client in clients:
                slot = points[(series, x)].get(client, {})
                cells += [fmt(median(slot.get(k, []))) for k in ("rps", "p99", "cpu", "cs")]
            lines.append(f"| {x} | " + " | ".join(cells) + " |")
        lines.append("")
    xs = sorted(x for (s, x) in points if s == "inflight")
    if xs:
        lines += ["## RSS against requests in flight (h1, slow server)", "",
                  "| in flight | " + " | ".join(f"{c} KiB/req" for c in clients) + " |", "|---:|" + "---:|" * len(clients)]
        for x in xs:
            lines.append(f"| {x} | " + " | ".join(fmt(median(points[("inflight", x)].get(c, {}).get("kib", []))) for c in clients) + " |")
        lines.append("")
    return "\n".join(lines)


def gnuplot(points, clients, svg, folder):
    data = {}
    for (series, x), by_client in points.items():
        for client, slot in by_client.items():
            if series == "inflight":
                row = (x, median(slot.get("kib", [])))
            else:
                row = (x,) + tuple(median(slot.get(k, [])) for k in ("rps", "p99", "cpu"))
            data.setdefault((series, client), []).append(row)
    files = {}
    for (series, client), rows in data.items():
        path = os.path.join(folder, f"curve-{series}-{client}.dat")
        with open(path, "w") as out:
            for row in sorted(rows):
                out.write(" ".join("NaN" if math.isnan(v) else repr(v) for v in row) + "\n")
        files[(series, client)] = path

    def plots(series, column):
        parts = []
        for client in clients:
            path = files.get((series, client))
            if path:
                parts.append(f"'{path}' using 1:{column} with linespoints title '{client} {series}'")
        return parts

    script = [f"set terminal svg size 1200,900 dynamic font 'sans,11'", f"set output '{svg}'",
              "set multiplot layout 2,2 title 'Cost curves (medians of one make bench run)'", "set grid", "set key left top"]
    for title, ylabel, column in (("Requests/s", "req/s", 2), ("p99 latency", "ms", 3), ("CPU per request", "µs", 4)):
        parts = plots("h1", column) + plots("h2c", column)
        script += ["set logscale x 2", "set xlabel 'concurrency'", f"set ylabel '{ylabel}'", f"set title '{title}'"]
        script.append("plot " + ", ".join(parts) if parts else "plot NaN notitle")
    parts = plots("inflight", 2)
    script += ["set logscale x 10", "set xlabel 'requests in flight'", "set ylabel 'KiB per request'",
               "set title 'RSS per request in flight'", "plot " + ", ".join(parts) if parts else "plot NaN notitle",
               "unset multiplot"]
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--svg", required=True)
    arguments = parser.parse_args()
    points = collect(arguments.results)
    if not points:
        print("curves.py: no curve rows in the results", file=sys.stderr)
        return
    clients = sorted({c for slots in points.values() for c in slots}, key=lambda c: (c != "curlew", c))
    text = markdown(points, clients)
    if shutil.which("gnuplot"):
        gnuplot(points, clients, arguments.svg, os.path.dirname(os.path.abspath(arguments.markdown)))
        text += f"\n![Cost curves]({os.path.basename(arguments.svg)})\n"
    else:
        print("curves.py: no gnuplot (Debian's gnuplot-nox): tables only", file=sys.stderr)
    with open(arguments.markdown, "w") as out:
        out.write(text)
    print(text)


if __name__ == "__main__":
    main()
