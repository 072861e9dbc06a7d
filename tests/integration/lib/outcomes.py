#!/usr/bin/env python3
"""outcomes.py — checks for the crash flows over a result monitor log
(natsprobe.py mon: one JSON line per core-NATS copy of a result).

  outcomes.py consistent MONITOR PREFIX REQUESTS
      the log holds results of at least REQUESTS requests whose id starts
      with PREFIX (an empty log proves nothing), and every (request, node)
      has only byte-identical copies: a node never published two different
      outcomes for one request. Prints the number of requests, copies and
      republished (extra identical) copies.
  outcomes.py republished MONITOR PREFIX NODE MIN REQUESTS
      NODE published at least MIN copies, all identical, of each of at least
      REQUESTS such requests.
  outcomes.py complete MONITOR NODES CSV...
      every request id of the CSV files (mpc-cli bench --csv, column
      request_id) has copies from exactly NODES nodes, and each node's copies
      are byte-identical: one final outcome per node for every request.
"""
import csv
import collections
import json
import sys


def load(path, prefix):
    seen = collections.defaultdict(list)
    for line in open(path):
        try:
            m = json.loads(line)
        except ValueError:
            continue
        rid = m["subject"].split(".")[3]  # mpc.res.<client>.<request>.<node>
        if rid.startswith(prefix):
            seen[(rid, m["headers"].get("Mpc-Node", "?"))].append(m["sha256"])
    return seen


def main(argv):
    seen = load(argv[2], "" if argv[1] == "complete" else argv[3])
    if argv[1] == "consistent":
        need = int(argv[4])
        bad = [k for k, v in seen.items() if len(set(v)) != 1]
        copies = sum(len(v) for v in seen.values())
        extra = sum(len(v) - 1 for v in seen.values())
        reqs = len({k[0] for k in seen})
        print("%d requests, %d (request,node) outcomes, %d copies, %d republished" %
              (reqs, len(seen), copies, extra))
        for k in bad:
            print("different outcomes from one node:", k, file=sys.stderr)
        if reqs < need:
            print("results of %d requests seen, %d expected" % (reqs, need), file=sys.stderr)
        return 1 if bad or reqs < need else 0
    if argv[1] == "republished":
        node, copies, need = argv[4], int(argv[5]), int(argv[6])
        mine = {k: v for k, v in seen.items() if k[1] == node}
        ok = len(mine) >= need and all(len(v) >= copies and len(set(v)) == 1
                                       for v in mine.values())
        return 0 if ok else 1
    if argv[1] == "complete":
        nodes = int(argv[3])
        ids = set()
        for f in argv[4:]:
            ids |= {r["request_id"] for r in csv.DictReader(open(f))}
        by_req = collections.defaultdict(dict)
        for (rid, node), v in seen.items():
            by_req[rid][node] = v
        short = [i for i in ids if len(by_req.get(i, {})) != nodes]
        bad = [i for i in ids if any(len(set(v)) != 1 for v in by_req.get(i, {}).values())]
        print("%d requests, %d without one outcome from each of %d nodes, %d with two "
              "different outcomes from one node" % (len(ids), len(short), nodes, len(bad)))
        return 0 if ids and not short and not bad else 1
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
