#!/usr/bin/env bash
# tests/bench/compare.sh — two builds side by side in one run.
#
#   tests/bench/compare.sh [--rounds R] [--quick|--scale S] [--items REGEX] [--raw FILE]
#                          [--old-root DIR] OLD_BIN_DIR NEW_BIN_DIR
#
# --old-root DIR: the old cluster's configs (configs/cluster/nats-server.conf
# and node-I.yaml) come from the source tree DIR of the old build, for a build
# whose NATS subjects or permissions differ from this tree's.
#
# Starts one 3-node cluster (its own nats-server) per build, both on loopback,
# then runs the bench set (tests/bench/lib.sh BENCH_ITEMS, or the items whose
# name matches REGEX) alternating A B A B ... for R rounds (default 3), each
# build with its own mpc-cli, and prints per item the medians and the ratios
# NEW/OLD of throughput, p50 latency and node CPU per request (from
# /proc/<pid>/stat of the three nodes), with the load average seen. The idle
# cluster costs little while the other runs; alternating spreads the drift of
# a shared machine over both builds. Exit 1 if any request failed. Every
# loop is bounded; every process is stopped by pid on exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"
source "$ROOT/tests/bench/lib.sh"

rounds=3 scale=1 items=. raw= old_root=
while [ $# -gt 2 ]; do
    case $1 in
    --rounds) rounds=$2; shift ;;
    --quick) scale=10 ;;
    --scale) scale=$2; shift ;;
    --items) items=$2; shift ;;
    --raw) raw=$2; shift ;;
    --old-root) old_root=$2; shift ;;
    *) break ;;
    esac
    shift
done
if [ $# -ne 2 ] || [ ! -x "$1/mpc-node" ] || [ ! -x "$2/mpc-node" ]; then
    echo "usage: $0 [--rounds R] [--quick|--scale S] [--items REGEX] [--raw FILE] [--old-root DIR] OLD_BIN_DIR NEW_BIN_DIR" >&2
    exit 2
fi
[[ "$rounds" =~ ^[1-9][0-9]?$ && "$scale" =~ ^[1-9][0-9]*$ ]] || { echo "bad --rounds/--scale" >&2; exit 2; }
old=$(cd "$1" && pwd) new=$(cd "$2" && pwd)
out=${raw:-$(mktemp /tmp/mpc-compare-results.XXXXXX)}
: >"$out"
trap 'bench_down_all; [ -z "$raw" ] && rm -f "$out"' EXIT
[ -z "$old_root" ] || [ -f "$old_root/configs/cluster/nats-server.conf" ] ||
    { echo "--old-root: no configs/cluster/nats-server.conf in $old_root" >&2; exit 2; }
new_root=$ROOT
ROOT=${old_root:-$ROOT} # only while the old cluster's configs are written and its nats-server starts
bench_up old "$old" || { echo "old cluster setup failed"; exit 1; }
ROOT=$new_root
bench_up new "$new" || { echo "new cluster setup failed"; exit 1; }
rc=0
for ((r = 1; r <= rounds; r++)); do
    for item in "${BENCH_ITEMS[@]}"; do
        [[ "${item%%|*}" =~ $items ]] || continue
        for b in old new; do
            echo "round $r/$rounds $b: ${item%%|*}" >&2
            bench_use "$b"
            bench_item "$item" "$scale" "$out" "$b" "$r" || rc=1
        done
    done
done
echo "compare: old=$old new=$new, $rounds rounds, counts/$scale, $(nproc) CPUs"
python3 "$ROOT/tests/bench/table.py" --compare old new "$out" || rc=1
exit $rc
