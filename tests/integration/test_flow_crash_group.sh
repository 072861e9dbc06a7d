#!/usr/bin/env bash
# tests/integration/test_flow_crash_group.sh — group commit of the request log
# (issue 12): node-2 kills itself (SIGKILL) inside a group commit, right after
# a group of two or more signs' request-log entries committed in one
# transaction and only the group's first result was published (kill point
# group_partial). After its restart every request must end with one outcome
# from each of its two signers (node-3, not named, answers nothing), node-2 must never publish two different outcomes for one request
# (a result it published before the kill was in its log: a rerun would sign
# and stamp anew, and the monitor would see different bytes), and a fresh
# delivery of every request makes node-2 answer from its log with the very
# bytes it published. Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=4000 CL_IDLE_MS=8000 # shorter redelivery and idle failure
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 17
tmp=$(mktemp -d)
MON_PID=
N=40      # signs per storm
STORMS=3  # storms at most until a group of two or more formed on node-2
cleanup() {
    stop_pid "$MON_PID" 2; cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT
OUT="python3 $ROOT/tests/integration/lib/outcomes.py"

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
cluster_start_node 1; cluster_start_node 3
MPC_NODE_TEST_KILL_AT=group_partial cluster_start_node 2
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready (node-2 with the kill point group_partial)" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
python3 "$PROBE" 127.0.0.1 "$NATS_PORT" client "$MPC_NATS_PASS_CLIENT" mon 'mpc.res.mpc-cli.*.*' 900 \
    >"$tmp/monitor.jsonl" 2>"$tmp/monitor.err" &
MON_PID=$!
wait_until 10 grep -q ready "$tmp/monitor.err"; check "result monitor subscribed" $?
cli keygen --wallet w-group --threshold 2 --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/kg.json" 2>&1
check "keygen 2-of-3" $?

# Storms of N concurrent signs by node-1 and node-2 (each saved first, to be
# delivered again below), until node-2 died at its kill point.
msg_hex() { printf 'group-%s' "$1" | od -An -tx1 | tr -d ' \n'; }
node2_dead() { ! pid_alive "${NODE_PID[2]}"; }
ids=()
for ((s = 1; s <= STORMS; s++)); do
    pids=()
    for ((k = 1; k <= N; k++)); do
        id="group-$s-$k"; ids+=("$id")
        cli sign --wallet w-group --signers node-1,node-2 --message-hex "$(msg_hex "$id")" \
            --request-id "$id" --out-request "$tmp/$id.req" >/dev/null 2>>"$tmp/publish.err"
    done
    for ((k = 1; k <= N; k++)); do # all at once: completions pile up behind the finisher
        cli sign --request "$tmp/group-$s-$k.req" --x-no-wait >/dev/null 2>>"$tmp/publish.err" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    wait_until 60 node2_dead && break
done
node2_dead
died=$?
check "node-2 killed itself inside a group commit (storm $s of at most $STORMS)" $died
[ $died -eq 0 ] || cluster_kill9_node 2
wait "${NODE_PID[2]}" 2>/dev/null; NODE_PID[2]=
grep -q 'event=test_kill point=group_partial' "$tmp/node-2.log"
check "the kill landed at group_partial (a group of two or more committed, one published)" $?
cluster_start_node 2
cluster_wait_ready 2 90; check "node-2 restarted and ready" $?

all=0
for id in "${ids[@]}"; do
    cli results --json --expect 2 --timeout 90 "$id" >"$tmp/r-$id.json" 2>/dev/null
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); n=sorted(r["node"] for r in d["results"])
sys.exit(0 if n == ["node-1","node-2"] and d["duplicates"] == 0 else 1)' "$tmp/r-$id.json" ||
        all=1
done
check "every request (${#ids[@]}) has exactly one outcome from each signer" $all
ok2=$(python3 -c 'import json,sys
print(sum(1 for f in sys.argv[1:] for r in json.load(open(f))["results"] if r["node"] == "node-2" and r["ok"]))' \
    "$tmp"/r-*.json)
check "node-2 signed most requests ($ok2 of ${#ids[@]})" $([ "$ok2" -ge $((${#ids[@]} * 3 / 4)) ]; echo $?)
$OUT consistent "$tmp/monitor.jsonl" group- ${#ids[@]} >"$tmp/consistent.txt"
check "no node published two different outcomes for one request" $?
sed 's/^/     monitor: /' "$tmp/consistent.txt"

# A fresh delivery of every request: node-2 answers each from its request log.
for id in "${ids[@]}"; do
    cli sign --request "$tmp/$id.req" --x-msg-id "$id-again" --x-no-wait \
        >/dev/null 2>>"$tmp/publish.err"
done
wait_until 90 $OUT republished "$tmp/monitor.jsonl" group- node-2 2 ${#ids[@]}
check "node-2 republished the identical result of every request from its log" $?
$OUT consistent "$tmp/monitor.jsonl" group- ${#ids[@]} >/dev/null
check "still one outcome per (request, node) after the redelivery" $?
for i in 1 2 3; do pid_alive "${NODE_PID[$i]}" || failed_alive=1; done
check "all nodes running at the end" ${failed_alive:-0}
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
