#!/usr/bin/env python3
"""tests/bench/table.py — prints the bench results (JSON lines from
tests/bench/lib.sh bench_item) as one table.

  table.py RESULTS                 one build: a row per bench item
  table.py --compare A B RESULTS   two builds: medians over the rounds and B/A

Columns: ok/total, throughput (ok/s), latency p50 and p99 (ms), node CPU per
request (ms, mean over the three nodes: each node's CPU time during the run,
from /proc/<pid>/stat, divided by the requests), peak node RSS (MB), and the
1-minute load average when the run ended.
"""
import json
import statistics
import sys


def figures(r):
    d = r["r"]
    nodes = d.get("nodes", [])
    cpu = [n["cpu_ms_per_op"] for n in nodes] or [float("nan")]
    rss = [n["rss_max_kb"] / 1024.0 for n in nodes] or [float("nan")]
    return {
        "ok": d.get("ok", 0),
        "n": d.get("count", 0),
        "tput": d.get("throughput_per_s", 0.0),
        "p50": d.get("latency_ms", {}).get("p50", float("nan")),
        "p99": d.get("latency_ms", {}).get("p99", float("nan")),
        "cpu": sum(cpu) / len(cpu),
        "rss": max(rss),
        "load": r.get("load", float("nan")),
    }


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def order(rows):
    seen = []
    for r in rows:
        if r["item"] not in seen:
            seen.append(r["item"])
    return seen


def single(rows):
    print("| bench | ok | ops/s | p50 ms | p99 ms | node CPU ms/op | node RSS MB | load |")
    print("|---|---|---|---|---|---|---|---|")
    bad = 0
    for item in order(rows):
        for r in [x for x in rows if x["item"] == item]:
            f = figures(r)
            bad += f["ok"] != f["n"] or f["n"] == 0
            print("| %s | %d/%d | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f |" % (
                item, f["ok"], f["n"], f["tput"], f["p50"], f["p99"], f["cpu"], f["rss"], f["load"]))
    return 1 if bad else 0


def compare(a, b, rows):
    print("| bench | %s ops/s | %s ops/s | ratio | %s p50 | %s p50 | ratio | %s CPU ms/op | "
          "%s CPU ms/op | ratio | rounds | failed | load |" % (a, b, a, b, a, b))
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    bad = 0
    for item in order(rows):
        med = {}
        failed = 0
        loads = []
        rounds = 0
        for label in (a, b):
            fs = [figures(r) for r in rows if r["item"] == item and r["build"] == label]
            rounds = max(rounds, len(fs))
            failed += sum(f["n"] - f["ok"] if f["n"] else 1 for f in fs)
            loads += [f["load"] for f in fs]
            med[label] = {k: statistics.median([f[k] for f in fs]) if fs else float("nan")
                          for k in ("tput", "p50", "cpu")}
        bad += failed != 0
        ra, rb = med[a], med[b]

        def ratio(k):
            return rb[k] / ra[k] if ra[k] else float("nan")

        print("| %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %d | %d | %.1f-%.1f |" % (
            item, ra["tput"], rb["tput"], ratio("tput"), ra["p50"], rb["p50"], ratio("p50"),
            ra["cpu"], rb["cpu"], ratio("cpu"), rounds, failed, min(loads or [0]), max(loads or [0])))
    print("ratio = %s / %s, medians over the rounds; throughput: higher is better, "
          "p50 and CPU: lower is better" % (b, a))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "--compare":
        return compare(argv[2], argv[3], load(argv[4]))
    if len(argv) == 2:
        return single(load(argv[1]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
