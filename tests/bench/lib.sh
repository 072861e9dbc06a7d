# tests/bench/lib.sh — shared by cluster_bench.sh and compare.sh: the bench set,
# one 3-node cluster per build kept side by side (bench_up / bench_use), and a
# run of one bench item that appends one JSON line to a results file.
# Source tests/integration/lib/common.sh and cluster.sh first.
#
#   bench_up NAME BIN_DIR     cluster NAME from BIN_DIR's mpc-node / mpc-cli, started and ready
#   bench_use NAME            makes NAME the cluster that cluster.sh functions and cli() act on
#   bench_down_all            stops every cluster (for traps)
#   bench_item ITEM SCALE OUT LABEL ROUND   runs one item of BENCH_ITEMS, appends to OUT
#
# Every process is started by cluster.sh and stopped by pid; loopback only.

# name|mpc-cli bench arguments (counts are divided by SCALE)
BENCH_ITEMS=(
    "ed25519 sign C=64|sign --key-type ed25519 --count 2000 --concurrency 64 --rotate-signers 2"
    "ed25519 sign C=1|sign --key-type ed25519 --count 200 --concurrency 1 --rotate-signers 2"
    "ed25519 keygen C=1|keygen --key-type ed25519 --count 100 --concurrency 1 --wallet-prefix bk"
    "ed25519 reshare C=1|reshare --key-type ed25519 --count 100 --concurrency 1 --wallet-prefix bk --wallets 100"
    "secp256k1 sign C=32|sign --key-type secp256k1 --count 500 --concurrency 32 --rotate-signers 2"
    "secp256k1 sign C=1|sign --key-type secp256k1 --count 100 --concurrency 1 --rotate-signers 2"
)

declare -A BC_DIR BC_NATS_PORT BC_NATS_PID BC_PASS BC_CLI BC_NODE BC_PIDS BC_HTTP BC_KEEP
BC_NAMES=()

bench_save() { # NAME
    local n=$1
    BC_DIR[$n]=$CL_DIR; BC_NATS_PORT[$n]=$NATS_PORT; BC_NATS_PID[$n]=$NATS_PID
    BC_PASS[$n]=$MPC_NATS_PASS_CLIENT; BC_CLI[$n]=$MPC_CLI; BC_NODE[$n]=$MPC_NODE
    BC_PIDS[$n]="${NODE_PID[1]:-} ${NODE_PID[2]:-} ${NODE_PID[3]:-}"
    BC_HTTP[$n]="${HTTP_PORT[1]:-} ${HTTP_PORT[2]:-} ${HTTP_PORT[3]:-}"
}

bench_use() { # NAME
    local n=$1 p h
    CL_DIR=${BC_DIR[$n]}; CL_N=3; NATS_PORT=${BC_NATS_PORT[$n]}; NATS_PID=${BC_NATS_PID[$n]}
    MPC_NATS_PASS_CLIENT=${BC_PASS[$n]}; MPC_CLI=${BC_CLI[$n]}; MPC_NODE=${BC_NODE[$n]}
    read -r -a p <<<"${BC_PIDS[$n]}"; read -r -a h <<<"${BC_HTTP[$n]}"
    NODE_PID=([1]=${p[0]:-} [2]=${p[1]:-} [3]=${p[2]:-})
    HTTP_PORT=([1]=${h[0]:-} [2]=${h[1]:-} [3]=${h[2]:-})
}

bench_up() { # NAME BIN_DIR
    local n=$1 bin=$2 i
    BC_NAMES+=("$n")
    MPC_CLI=$bin/mpc-cli; MPC_NODE=$bin/mpc-node
    CL_DIR=; NATS_PID=; NODE_PID=(); HTTP_PORT=()
    local dir; dir=$(mktemp -d /tmp/mpc-bench-"$n".XXXXXX)
    cluster_init "$dir" 3 || { bench_save "$n"; return 1; }
    for i in 1 2 3; do cluster_start_node "$i"; done
    bench_save "$n"
    for i in 1 2 3; do cluster_wait_ready "$i" 120 || return 1; done
}

bench_down_all() {
    local n
    for n in "${BC_NAMES[@]}"; do
        bench_use "$n"
        cluster_stop_all
        if [ -n "${BC_KEEP[$n]:-}" ]; then
            echo "kept $CL_DIR (a node of $n died)" >&2
        elif [ -n "$CL_DIR" ]; then
            rm -rf "$CL_DIR"
        fi
    done
}

bench_item() { # ITEM SCALE OUT LABEL ROUND — on the cluster in use
    local item=$1 scale=$2 out=$3 label=$4 round=$5 name args a tmp rc=0 prev=
    name=${item%%|*}; args=${item#*|}
    local -a argv=()
    for a in $args; do
        if [[ "$prev" == --count || "$prev" == --wallets ]]; then a=$(( (a + scale - 1) / scale )); fi
        [ "$a" = bk ] && a=bk$round   # keygen and reshare wallets of this round
        argv+=("$a"); prev=$a
    done
    tmp=$(mktemp /tmp/mpc-bench-run.XXXXXX)
    cli bench "${argv[@]}" --peers "$CL_DIR/peers.yaml" --timeout 60 --json \
        --node-pids "${NODE_PID[1]},${NODE_PID[2]},${NODE_PID[3]}" >"$tmp" 2>/dev/null || rc=1
    python3 - "$tmp" "$name" "$label" "$round" "$(cut -d' ' -f1 /proc/loadavg)" >>"$out" <<'PY' || rc=1
import json, sys
path, name, label, rnd, load = sys.argv[1:6]
try:
    d = json.load(open(path))
except Exception:
    d = {"failed": -1}
print(json.dumps({"item": name, "build": label, "round": int(rnd), "load": float(load), "r": d}))
PY
    rm -f "$tmp"
    local i
    for i in 1 2 3; do # a node that died: keep its cluster directory, show its log
        if [ -n "${NODE_PID[$i]}" ] && ! pid_alive "${NODE_PID[$i]}"; then
            wait "${NODE_PID[$i]}" 2>/dev/null
            echo "node-$i of $label died during \"$name\" round $round (exit status $?)" >&2
            log_tail "$CL_DIR/node-$i.log" 15
            BC_KEEP[$label]=1; rc=1
        fi
    done
    return $rc
}
