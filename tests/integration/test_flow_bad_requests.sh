#!/usr/bin/env bash
# tests/integration/test_flow_bad_requests.sh — flow 4 of issue 6 and the
# trust boundary (issue "The trust boundary" §3): bad requests while the
# nodes keep serving. A request that does not authenticate (unsigned, signed
# by an unknown key, bad signature, malformed protobuf) is dropped by every
# node, counted by its code, and nothing is published under the id it names;
# an oversized one is refused by the stream itself. Junk sent first with a
# victim's request id, or with the Nats-Msg-Id the old client used (the
# request id), does not hurt the victim's request. Authenticated bad requests
# get an error result with their own code: unknown wallet, threshold > n,
# unknown participant, keygen of a wallet that has a key, too few signers. A
# duplicate (the same saved request) gets the original result, not a second
# run: resent as is (JetStream dedup) and with a fresh Nats-Msg-Id (the
# node's request log answers; a core-NATS monitor sees each node republish
# byte-identical results); the same id with other content is refused
# (MPC_ERR_REQ_ID_REUSED). Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 42 # every check below, when the flow runs to the end
tmp=$(mktemp -d)
MON_PID=
cleanup() {
    stop_pid "$MON_PID" 2; cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT

run() { # run NAME ARGS... -> $tmp/NAME.json, RC
    local name=$1; shift
    cli "$@" --json --timeout 30 --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
# expect_code NAME STATUS_NAME [NODES] — exit 1, and one result per node of
# NODES (default node-1,node-2,node-3), each with that error code.
expect_code() {
    local name=$1 code=$2 nodes=${3:-node-1,node-2,node-3}
    python3 - "$tmp/$name.json" "$code" "$nodes" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["results"]
nodes = sorted(r["node"] for r in rs)
ok = nodes == sys.argv[3].split(",") and all(r["status_name"] == sys.argv[2] for r in rs)
if not ok:
    print("   got:", [(r["node"], r["status_name"], r["error_text"]) for r in rs], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
    local rc=$?
    check "$name: every node answers $code, exit 1" $([ $rc -eq 0 ] && [ "$RC" -eq 1 ]; echo $?)
}
alive() { local i; for i in 1 2 3; do pid_alive "${NODE_PID[$i]}" || return 1; done; }
unauth_sum() {
    echo $(( $(node_metric 1 mpc_requests_unauthenticated_total) +
             $(node_metric 2 mpc_requests_unauthenticated_total) +
             $(node_metric 3 mpc_requests_unauthenticated_total) ))
}
unauth_is() { [ "$(unauth_sum)" -ge "$1" ]; }
# expect_dropped NAME STATUS_NAME ARGS... — sends (no wait) with request id drop-NAME; every
# node drops it unanswered and counts it under STATUS_NAME. The monitor checks later that
# nothing was published under the drop-* ids.
expect_dropped() {
    local name=$1 code=$2 before by_code i; shift 2
    before=$(unauth_sum)
    by_code=0; for i in 1 2 3; do
        by_code=$((by_code + $(node_metric $i "mpc_requests_rejected_total{reason=\"$code\"}")))
    done
    cli "$@" --request-id "drop-$name" --x-no-wait >/dev/null 2>"$tmp/$name.err"
    wait_until 20 unauth_is $((before + 3)); check "$name: every node drops it unanswered" $?
    local after=0; for i in 1 2 3; do
        after=$((after + $(node_metric $i "mpc_requests_rejected_total{reason=\"$code\"}")))
    done
    check "$name: counted as $code on every node" $([ "$after" -eq $((by_code + 3)) ]; echo $?)
}
# sessions OP — sessions of OP ended so far, summed over the nodes (/metrics).
sessions() {
    local i total=0 v
    for i in 1 2 3; do
        v=$(curl -fsS --max-time 5 "http://127.0.0.1:${HTTP_PORT[$i]}/metrics" |
            awk -v p="mpc_sessions_total{op=\"$1\"," 'index($0, p) == 1 {s += $2} END {print s + 0}')
        total=$((total + v))
    done
    echo "$total"
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

python3 "$PROBE" 127.0.0.1 "$NATS_PORT" client "$MPC_NATS_PASS_CLIENT" mon 'mpc.res.mpc-cli.*.*' 600 \
    >"$tmp/monitor.jsonl" 2>"$tmp/monitor.err" &
MON_PID=$!
wait_until 10 grep -q ready "$tmp/monitor.err"; check "result monitor subscribed (core NATS)" $?

run keygen keygen --wallet w-bad --threshold 2
check "keygen for the wallet under test" $RC

"$MPC_CLI" initiator new --plain --out "$tmp/keys/stranger.key" >/dev/null
expect_dropped unsigned MPC_ERR_REQ_UNSIGNED sign --wallet w-bad --message m --x-unsigned
expect_dropped unknown_key MPC_ERR_REQ_UNKNOWN_INITIATOR sign --wallet w-bad --message m \
    --key "$tmp/keys/stranger.key"
expect_dropped bad_sig MPC_ERR_REQ_BAD_SIGNATURE sign --wallet w-bad --message m --x-bad-signature
expect_dropped malformed MPC_ERR_REQ_MALFORMED sign --wallet w-bad --message m --x-garbage 200
u_before=$(unauth_sum)
cli sign --wallet w-bad --message m --x-garbage 100000 --x-no-wait >/dev/null 2>"$tmp/oversized.err"
rc=$?; check "oversized: the request stream refuses the publish (mpc-cli fails)" $((rc == 0))
check "oversized: no node saw it" $([ "$(unauth_sum)" = "$u_before" ]; echo $?)

# Squatting a victim's request id: junk first, the victim's request after.
cli keygen --wallet w-victim --threshold 2 --request-id victim-1 --x-unsigned --x-no-wait \
    >/dev/null 2>&1
wait_until 20 unauth_is $((u_before + 3)); check "unsigned junk naming victim-1: dropped by all" $?
run victim1 keygen --wallet w-victim --threshold 2 --request-id victim-1
check "the victim's keygen with that id then succeeds" $RC
u_before=$(unauth_sum)
cli sign --wallet w-victim --message m --request-id victim-2 --x-garbage 200 \
    --x-msg-id victim-2 --x-no-wait >/dev/null 2>&1
wait_until 20 unauth_is $((u_before + 3)); check "junk under Nats-Msg-Id victim-2: dropped by all" $?
run victim2 sign --wallet w-victim --message m --request-id victim-2
check "the victim's sign with request id victim-2 then succeeds (dedup keys on its bytes)" $RC
cli sign --wallet w-victim --message m --request-id victim.3 >/dev/null 2>&1
check "mpc-cli refuses a request id with '.' (usage, exit 2)" $(($? != 2))

run unknown_wallet sign --wallet no-such-wallet --message m
expect_code unknown_wallet MPC_ERR_UNKNOWN_WALLET
run threshold keygen --wallet w-thr --threshold 5
expect_code threshold MPC_ERR_BAD_THRESHOLD
run unknown_participant keygen --wallet w-up --participants node-1,node-2,node-9 --threshold 2
expect_code unknown_participant MPC_ERR_UNKNOWN_PARTICIPANT
# Refusals that need the key store happen before any session runs (a later
# check would give the same code, after a DKG or a signing round).
kg_before=$(sessions keygen)
run exists keygen --wallet w-bad --threshold 2
expect_code exists MPC_ERR_EXISTS
check "keygen for a wallet with a key: no DKG ran" $([ "$(sessions keygen)" = "$kg_before" ]; echo $?)
run keygen3 keygen --wallet w-3of3 --threshold 3
check "keygen 3-of-3" $RC
sg_before=$(sessions sign)
run few_signers sign --wallet w-3of3 --message m --signers node-1,node-2
expect_code few_signers MPC_ERR_BAD_THRESHOLD node-1,node-2
check "2 signers for a 3-of-3 key: no signing session ran" $([ "$(sessions sign)" = "$sg_before" ]; echo $?)
alive; check "every node still running after the bad requests" $?

# Duplicate request: the same saved bytes sent again.
cli sign --wallet w-bad --message dup --request-id dup-req-1 --out-request "$tmp/dup.req" >/dev/null
run orig sign --request "$tmp/dup.req"
check "original request succeeds" $RC
sig=$(jget "$tmp/orig.json" signature)
run dup_same sign --request "$tmp/dup.req"
check "duplicate (same bytes, same Nats-Msg-Id): exit 0" $RC
check "duplicate (same Nats-Msg-Id): the original signature" $([ "$(jget "$tmp/dup_same.json" signature)" = "$sig" ]; echo $?)
run dup_fresh sign --request "$tmp/dup.req" --x-msg-id dup-req-1-again
check "duplicate (fresh Nats-Msg-Id, reaches the nodes): exit 0" $RC
check "duplicate (fresh Nats-Msg-Id): the original signature" $([ "$(jget "$tmp/dup_fresh.json" signature)" = "$sig" ]; echo $?)
run reused sign --wallet w-bad --message "other content" --request-id dup-req-1
reused_ok=$(python3 - "$tmp/reused.json" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
print(sorted(r["node"] for r in rs if r["status_name"] == "MPC_ERR_REQ_ID_REUSED"))
PY
)
check "the same id with other content: every node refuses it (MPC_ERR_REQ_ID_REUSED), exit 1" \
    $([ "$reused_ok" = "['node-1', 'node-2', 'node-3']" ] && [ "$RC" -eq 1 ]; echo $?)
# The nodes republished from their request log: at least 2 core copies per node of the
# first result, identical bytes (the refusal of the reused id is another result).
republished() {
    python3 - "$tmp/monitor.jsonl" <<'PY'
import json, sys, collections
seen = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m["subject"].startswith("mpc.res.mpc-cli.dup-req-1."):
        seen[m["headers"].get("Mpc-Node")].append(m["sha256"])
ok = sorted(seen) == ["node-1", "node-2", "node-3"] and \
     all(len(v) >= 2 and v.count(v[0]) >= 2 for v in seen.values())
sys.exit(0 if ok else 1)
PY
}
wait_until 10 republished; check "each node republished its original result (byte-identical copy)" $?

nothing_for_drops() {
    python3 - "$tmp/monitor.jsonl" <<'PY'
import json, sys
bad = [m["subject"] for m in map(json.loads, open(sys.argv[1]))
       if m["subject"].split(".")[-1].startswith("drop-")]
print("   results under dropped ids:", bad, file=sys.stderr) if bad else None
sys.exit(1 if bad else 0)
PY
}
nothing_for_drops; check "no result was published under the id of a dropped request" $?
run after sign --wallet w-bad --message "still serving"
check "a good request after all this succeeds" $RC
alive; check "no node died" $?
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
