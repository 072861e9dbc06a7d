#!/usr/bin/env bash
# tests/bench/perfstat_sign.sh — repeatable kernel-side figures per sign of
# one node: system calls, fdatasyncs, futex calls, context switches and CPU
# time, counted by `perf stat` (tracepoints; not timed, so a busy machine does
# not change the counts much).
#
#   tests/bench/perfstat_sign.sh [--conf-root DIR] [--signs N] [--concurrency C] [BIN_DIR]
#
# Starts a local 3-node cluster (loopback) from BIN_DIR (default
# build/release/bin), creates one ed25519 and one secp256k1 wallet, signs a
# few times to warm up, then for each key type attaches `perf stat -p` to
# node-1 (every thread), runs N signs (default 200) at concurrency C (default
# 32; signers node-1 and node-2) and prints per sign: system calls,
# fdatasync+fsync, futex, context switches (voluntary and involuntary, as
# /proc/<pid>/task/*/status counts them) and node-1's CPU ms. Needs perf with
# tracepoint access (root or perf_event_paranoid <= 1). Every process is
# stopped by pid on exit. PERFSTAT_RECORD=EVENT PERFSTAT_OUT=PREFIX records a
# call-graph profile of EVENT instead (PREFIX.<key type>, for perf report;
# the counts printed are then meaningless).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
signs=200 conc=32 conf_root=
while [ $# -gt 0 ]; do
    case $1 in
    --conf-root) conf_root=$2; shift ;;
    --signs) signs=$2; shift ;;
    --concurrency) conc=$2; shift ;;
    -*) echo "usage: $0 [--conf-root DIR] [--signs N] [--concurrency C] [BIN_DIR]" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
[[ "$signs" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "bad --signs" >&2; exit 2; }
[[ "$conc" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "bad --concurrency" >&2; exit 2; }
export MPC_BIN=$(cd "${1:-$ROOT/build/release/bin}" && pwd)
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"
command -v perf >/dev/null || { echo "perf not found" >&2; exit 2; }

dir=$(mktemp -d /tmp/mpc-perfstat.XXXXXX)
PERF_PID=
trap '[ -n "$PERF_PID" ] && kill -INT "$PERF_PID" 2>/dev/null; cluster_stop_all; rm -rf "$dir"' EXIT
# --conf-root DIR: nats-server.conf and node configs from the source tree DIR
# (an older build whose subjects or permissions differ from this tree's)
bench_root=$ROOT
ROOT=${conf_root:-$ROOT}
cluster_init "$dir" 3 || { echo "cluster setup failed" >&2; exit 1; }
ROOT=$bench_root
for i in 1 2 3; do cluster_start_node "$i"; done
for i in 1 2 3; do cluster_wait_ready "$i" 120 || exit 1; done

sign_n() { # KEY_TYPE WALLET N
    cli bench sign --key-type "$1" --wallet "$2" --count "$3" --concurrency "$conc" \
        --signers node-1,node-2 --peers "$CL_DIR/peers.yaml" --timeout 300 --json >"$dir/last.json"
}
ctxt_sum() { # voluntary + involuntary context switches of node-1's live threads
    cat /proc/"${NODE_PID[1]}"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s + 0}'
}
per() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) / int(sys.argv[2])))" "$1" "$2"; }
ev() { # EVENT FILE: the count perf stat printed for EVENT
    awk -F, -v e="$1" '$3 == e {gsub(/ /, "", $1); print $1 + 0}' "$2"
}

for kt in ed25519 secp256k1; do
    cli keygen --key-type "$kt" --wallet "ps-$kt" --threshold 2 --timeout 300 >/dev/null 2>&1 ||
        { echo "keygen $kt failed" >&2; cluster_tails; exit 1; }
    sign_n "$kt" "ps-$kt" 5 || { echo "warm-up $kt failed" >&2; exit 1; }
done

events=raw_syscalls:sys_enter,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_futex,task-clock
rc=0
echo "node-1 of 3, $signs signs per key type, concurrency $conc, signers node-1,node-2; bin $MPC_BIN"
for kt in ed25519 secp256k1; do
    if [ -n "${PERFSTAT_RECORD:-}" ]; then # a profile instead: perf record -g of EVENT
        perf record -q -g -e "$PERFSTAT_RECORD" -p "${NODE_PID[1]}" -o "$PERFSTAT_OUT.$kt" 2>/dev/null &
    else
        perf stat -x, -e "$events" -p "${NODE_PID[1]}" -o "$dir/ps.$kt" &
    fi
    PERF_PID=$!
    sleep 0.5 # perf attaches asynchronously; a few idle ticks in the window change nothing
    c0=$(ctxt_sum)
    sign_n "$kt" "ps-$kt" "$signs" || rc=1
    c1=$(ctxt_sum)
    kill -INT "$PERF_PID"; wait "$PERF_PID"; PERF_PID=
    f=$dir/ps.$kt
    [ -n "${PERFSTAT_RECORD:-}" ] && { echo "$kt: profile in $PERFSTAT_OUT.$kt"; continue; }
    ok=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('ok', 0))" "$dir/last.json" 2>/dev/null)
    sync_n=$(($(ev syscalls:sys_enter_fdatasync "$f") + $(ev syscalls:sys_enter_fsync "$f")))
    printf '%s: per sign: %s syscalls, %s fdatasync+fsync, %s futex, %s context switches, %s ms CPU (node-1; %s signs ok)\n' \
        "$kt" "$(per "$(ev raw_syscalls:sys_enter "$f")" "$signs")" "$(per "$sync_n" "$signs")" \
        "$(per "$(ev syscalls:sys_enter_futex "$f")" "$signs")" "$(per $((c1 - c0)) "$signs")" \
        "$(per "$(ev task-clock "$f")" "$signs")" "${ok:-?}"
done
exit $rc
