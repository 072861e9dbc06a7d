#!/usr/bin/env bash
# tests/integration/test_flow_bad_requests.sh — flow 4 of issue 6: bad
# requests, each answered by every node with an error result carrying its own
# code, while the nodes keep serving: unsigned, signed by an unknown key, bad
# signature, malformed protobuf, oversized, unknown wallet, threshold > n,
# unknown participant; and a duplicate request id, which gets the original
# result, not a second run: resent with the same Nats-Msg-Id (JetStream
# dedup) and with a fresh one (so the node's own request log must answer; a
# core-NATS monitor sees each node republish byte-identical results — a new
# run would carry a new signature). Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
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

python3 "$PROBE" 127.0.0.1 "$NATS_PORT" client "$MPC_NATS_PASS_CLIENT" mon 'mpc.res.mpc-cli.>' 600 \
    >"$tmp/monitor.jsonl" 2>"$tmp/monitor.err" &
MON_PID=$!
wait_until 10 grep -q ready "$tmp/monitor.err"; check "result monitor subscribed (core NATS)" $?

run keygen keygen --wallet w-bad --threshold 2
check "keygen for the wallet under test" $RC

"$MPC_CLI" initiator new --plain --out "$tmp/keys/stranger.key" >/dev/null
run unsigned sign --wallet w-bad --message m --x-unsigned
expect_code unsigned MPC_ERR_REQ_UNSIGNED
run unknown_key sign --wallet w-bad --message m --key "$tmp/keys/stranger.key"
expect_code unknown_key MPC_ERR_REQ_UNKNOWN_INITIATOR
run bad_sig sign --wallet w-bad --message m --x-bad-signature
expect_code bad_sig MPC_ERR_REQ_BAD_SIGNATURE
run malformed sign --wallet w-bad --message m --x-garbage 200
expect_code malformed MPC_ERR_REQ_MALFORMED
run oversized sign --wallet w-bad --message m --x-garbage 100000
expect_code oversized MPC_ERR_REQ_TOO_LARGE
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

# Duplicate request id.
run orig sign --wallet w-bad --message dup --request-id dup-req-1
check "original request succeeds" $RC
sig=$(jget "$tmp/orig.json" signature)
run dup_same sign --wallet w-bad --message dup --request-id dup-req-1
check "duplicate (same Nats-Msg-Id): exit 0" $RC
check "duplicate (same Nats-Msg-Id): the original signature" $([ "$(jget "$tmp/dup_same.json" signature)" = "$sig" ]; echo $?)
run dup_fresh sign --wallet w-bad --message dup --request-id dup-req-1 --x-msg-id dup-req-1-again
check "duplicate (fresh Nats-Msg-Id, reaches the nodes): exit 0" $RC
check "duplicate (fresh Nats-Msg-Id): the original signature" $([ "$(jget "$tmp/dup_fresh.json" signature)" = "$sig" ]; echo $?)
# The nodes republished from their request log: 2 core copies per node, identical bytes.
republished() {
    python3 - "$tmp/monitor.jsonl" <<'PY'
import json, sys, collections
seen = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m["subject"] == "mpc.res.mpc-cli.dup-req-1":
        seen[m["headers"].get("Mpc-Node")].append(m["sha256"])
ok = sorted(seen) == ["node-1", "node-2", "node-3"] and \
     all(len(v) == 2 and v[0] == v[1] for v in seen.values())
sys.exit(0 if ok else 1)
PY
}
wait_until 10 republished; check "each node republished its original result (byte-identical copy)" $?

run after sign --wallet w-bad --message "still serving"
check "a good request after all this succeeds" $RC
alive; check "no node died" $?
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
