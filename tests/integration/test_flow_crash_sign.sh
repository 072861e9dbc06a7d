#!/usr/bin/env bash
# tests/integration/test_flow_crash_sign.sh — flow 2 of issue 6: kill -9 one
# node while 20 sign requests are queued, then restart it. Every request must
# end with exactly one final outcome per node (success, or an error with a
# code), nothing is lost (each request: 3 outcomes, one per node), a node
# never publishes two different outcomes for one request (a core-NATS monitor
# compares every copy), successful signatures verify, and the restarted node
# republishes the results it had already produced, byte for byte, when the
# requests are delivered to it again. Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=4000 CL_IDLE_MS=8000   # shorter redelivery and idle failure
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 21 # every check below, when the flow runs to the end
tmp=$(mktemp -d)
MON_PID=
N=20
MIN_FULL=$N # requests that must be signed despite the crash: 2 signers succeed and the
            # third holder answers MPC_ERR_NOT_SELECTED (the cluster retries a failed sign
            # with a new attempt, and a signer that lost its session adopts its co-signer's
            # logged result, docs/DESIGN.md §4.4)
cleanup() {
    stop_pid "$MON_PID" 2; cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT
OUT="python3 $ROOT/tests/integration/lib/outcomes.py"

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
python3 "$PROBE" 127.0.0.1 "$NATS_PORT" client "$MPC_NATS_PASS_CLIENT" mon 'mpc.res.mpc-cli.*.*' 900 \
    >"$tmp/monitor.jsonl" 2>"$tmp/monitor.err" &
MON_PID=$!
wait_until 10 grep -q ready "$tmp/monitor.err"; check "result monitor subscribed" $?

cli keygen --wallet w-crash --threshold 2 --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/kg.json" 2>&1
check "keygen 2-of-3" $?
pk=$(jget "$tmp/kg.json" public_key)
msg_hex() { printf 'crash-sign-%02d' "$1" | od -An -tx1 | tr -d ' \n'; }

# Queue 20 signs naming no signers (2 live holders of 3 sign each), then crash node-2.
# Each is saved first, so that the very same request can be delivered again below.
for ((k = 1; k <= N; k++)); do
    cli sign --wallet w-crash --message-hex "$(msg_hex $k)" --request-id "crash-$k" \
        --out-request "$tmp/crash-$k.req" >/dev/null 2>>"$tmp/publish.err"
done
pids=()
for ((k = 1; k <= N; k++)); do
    cli sign --request "$tmp/crash-$k.req" --x-no-wait >/dev/null 2>>"$tmp/publish.err" &
    pids+=($!)
done
pub=0; for p in "${pids[@]}"; do wait "$p" || pub=1; done
check "20 sign requests published" $pub
cluster_kill9_node 2
check "node-2 killed with SIGKILL" $?
cluster_start_node 2
cluster_wait_ready 2 90; check "node-2 restarted and ready" $?

# Every request: exactly one final outcome from each of the 3 nodes.
all3=0; okc=0; errc=0; badsig=0; full=0
for ((k = 1; k <= N; k++)); do
    cli results --json --expect 3 --timeout 90 --message-hex "$(msg_hex $k)" --public-key "$pk" \
        "crash-$k" >"$tmp/r$k.json" 2>/dev/null
    python3 - "$tmp/r$k.json" <<'PY' || all3=1
import json, sys
d = json.load(open(sys.argv[1]))
nodes = sorted(r["node"] for r in d["results"])
sys.exit(0 if nodes == ["node-1", "node-2", "node-3"] and d["duplicates"] == 0 else 1)
PY
    read -r o e b ns < <(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
print(sum(r["ok"] for r in rs), sum((not r["ok"]) and r["status_code"] > 0 for r in rs),
      sum(r.get("verified") is False for r in rs),
      sum(r["status_name"] == "MPC_ERR_NOT_SELECTED" for r in rs))' "$tmp/r$k.json")
    okc=$((okc + o)); errc=$((errc + e)); badsig=$((badsig + b))
    [ "$o" -ge 2 ] && [ $((o + ns)) = 3 ] && full=$((full + 1))
done
check "every request has exactly one outcome per node (3 nodes x $N)" $all3
check "every outcome is a success or an error with a code ($okc ok, $errc errors)" \
    $([ $((okc + errc)) -eq $((3 * N)) ]; echo $?)
check "every successful signature verifies under the group key" $([ $badsig -eq 0 ]; echo $?)
# All errors would satisfy the checks above: the requests queued behind the
# crash must still be served once node-2 is back.
check "at least $MIN_FULL of $N requests signed (2 signers, the third not selected: $full)" \
    $([ $full -ge $MIN_FULL ]; echo $?)
echo "     outcomes: $okc successes, $errc errors (of $((3 * N)))"
python3 -c 'import json,sys,collections
c=collections.Counter(r["status_name"] for f in sys.argv[1:] for r in json.load(open(f))["results"])
print("     by code:", ", ".join("%s %d" % kv for kv in sorted(c.items())))' "$tmp"/r*.json

$OUT consistent "$tmp/monitor.jsonl" crash- $N >"$tmp/consistent.txt"
check "no node published two different outcomes for one request" $?
sed 's/^/     monitor: /' "$tmp/consistent.txt"

# Deliver every request to the nodes again (fresh Nats-Msg-Id): the restarted
# node must answer from its request log with the very bytes it published before.
for ((k = 1; k <= N; k++)); do
    cli sign --request "$tmp/crash-$k.req" --x-msg-id "crash-$k-again" --x-no-wait \
        >/dev/null 2>>"$tmp/publish.err"
done
wait_until 60 $OUT republished "$tmp/monitor.jsonl" crash- node-2 2 $N
check "node-2 republished the identical result of every request it had produced" $?
$OUT consistent "$tmp/monitor.jsonl" crash- $N >/dev/null
check "still one outcome per (request, node) after the redelivery" $?
for i in 1 2 3; do pid_alive "${NODE_PID[$i]}"; check "node-$i running at the end" $?; done
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
