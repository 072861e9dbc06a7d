#!/usr/bin/env bash
# tests/bench/callgrind_sign.sh — a repeatable CPU figure: instructions per
# sign of one node, counted by valgrind --tool=callgrind (wall-clock timings
# are noise on a shared machine; instruction counts are not).
#
#   tests/bench/callgrind_sign.sh [--conf-root DIR] [--signs N] [--strace] [BIN_DIR]
#
# Starts a local 3-node cluster (loopback) from BIN_DIR (default
# build/release/bin) with node-1 under callgrind, creates one ed25519 and one
# secp256k1 wallet, signs a few times to warm up, then for each key type
# zeroes node-1's counters (callgrind_control -z), runs N signs (default 50,
# concurrency 1, signers node-1 and node-2) and dumps the counters
# (callgrind_control -d). Prints instructions per sign of node-1: every
# thread of the process, user space only (the kernel's share is not counted).
# --strace instead attaches strace -c -f to node-1 (not under valgrind) for
# each phase and prints its system calls per sign. Every process is stopped
# by pid on exit. CALLGRIND_KEEP=DIR keeps each phase's dumps in DIR/<key type>/
# (for callgrind_annotate).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
signs=50 mode=callgrind conf_root=
while [ $# -gt 0 ]; do
    case $1 in
    --conf-root) conf_root=$2; shift ;;
    --signs) signs=$2; shift ;;
    --strace) mode=strace ;;
    -*) echo "usage: $0 [--conf-root DIR] [--signs N] [--strace] [BIN_DIR]" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
[[ "$signs" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "bad --signs" >&2; exit 2; }
export MPC_BIN=$(cd "${1:-$ROOT/build/release/bin}" && pwd)
# Timeouts for a node 50x slower than usual.
export CL_ACK_WAIT_MS=120000 CL_BARRIER_MS=120000 CL_IDLE_MS=240000
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"

dir=$(mktemp -d /tmp/mpc-callgrind.XXXXXX)
STRACE_PID=
trap '[ -n "$STRACE_PID" ] && kill -INT "$STRACE_PID" 2>/dev/null; cluster_stop_all; rm -rf "$dir"' EXIT
# --conf-root DIR: nats-server.conf and node configs from the source tree DIR
# (an older build whose subjects or permissions differ from this tree's)
bench_root=$ROOT
ROOT=${conf_root:-$ROOT}
cluster_init "$dir" 3 || { echo "cluster setup failed" >&2; exit 1; }
ROOT=$bench_root
if [ $mode = callgrind ]; then
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out.%p" --dump-instr=no \
        "$MPC_NODE" -c "$CL_DIR/node-1.yaml" >>"$CL_DIR/node-1.log" 2>&1 &
else
    "$MPC_NODE" -c "$CL_DIR/node-1.yaml" >>"$CL_DIR/node-1.log" 2>&1 &
fi
NODE_PID[1]=$!
cluster_start_node 2
cluster_start_node 3
for i in 1 2 3; do cluster_wait_ready "$i" 600 || exit 1; done

sign_n() { # KEY_TYPE WALLET N
    cli bench sign --key-type "$1" --wallet "$2" --count "$3" --concurrency 1 \
        --signers node-1,node-2 --peers "$CL_DIR/peers.yaml" --timeout 300 --json >"$dir/last.json"
}
ir_total() { # sums the "summary:" Ir of dump files
    awk '/^summary:/ {s += $2} END {printf "%.0f\n", s}' "$@"
}
per() { python3 -c "import sys; print('%.0f' % (int(sys.argv[1]) / int(sys.argv[2])))" "$1" "$2"; }
strace_on() { # attaches strace -c to every thread of node-1; STRACE_PID
    strace -f -c -p "${NODE_PID[1]}" -o "$1" 2>"$1.err" &
    STRACE_PID=$!
    wait_until 30 grep -q attached "$1.err" || { echo "strace did not attach" >&2; exit 1; }
}

for kt in ed25519 secp256k1; do
    cli keygen --key-type "$kt" --wallet "cg-$kt" --threshold 2 --timeout 300 >/dev/null 2>&1 ||
        { echo "keygen $kt failed" >&2; cluster_tails; exit 1; }
    sign_n "$kt" "cg-$kt" 3 || { echo "warm-up $kt failed" >&2; exit 1; }
done

rc=0
echo "node-1 of 3, $signs signs per key type, concurrency 1, signers node-1,node-2; bin $MPC_BIN"
for kt in ed25519 secp256k1; do
    if [ $mode = callgrind ]; then
        callgrind_control -z "${NODE_PID[1]}" >"$dir/cgc.log" 2>&1 || { cat "$dir/cgc.log" >&2; exit 1; }
        sign_n "$kt" "cg-$kt" "$signs" || rc=1
        before=$(ls "$dir"/cg.out.* 2>/dev/null)
        callgrind_control -d "${NODE_PID[1]}" >"$dir/cgc.log" 2>&1 || { cat "$dir/cgc.log" >&2; exit 1; }
        new=$(comm -13 <(echo "$before" | sort) <(ls "$dir"/cg.out.* | sort))
        ir=$(ir_total $new)
        echo "$kt: $(per "$ir" "$signs") instructions per sign (node-1, user space, $ir over $signs signs)"
        if [ -n "${CALLGRIND_KEEP:-}" ]; then # the dumps, for callgrind_annotate
            mkdir -p "$CALLGRIND_KEEP/$kt" && cp $new "$CALLGRIND_KEEP/$kt/"
        fi
    else
        strace_on "$dir/st.$kt"
        sign_n "$kt" "cg-$kt" "$signs" || rc=1
        kill -INT "$STRACE_PID"; wait "$STRACE_PID"; STRACE_PID=
        total=$(awk '$NF == "total" {print $4}' "$dir/st.$kt")
        echo "$kt: $(per "${total:-0}" "$signs") syscalls per sign (node-1, all threads, ${total:-0} over $signs signs); top calls:"
        awk 'NR > 2 && $1 !~ /^-/ && $NF != "total" {printf "    %-16s %8d  %6.1f/sign\n", $NF, $4, $4 / n}' \
            n="$signs" "$dir/st.$kt" | sort -k2 -n -r | head -n 12
    fi
done
exit $rc
