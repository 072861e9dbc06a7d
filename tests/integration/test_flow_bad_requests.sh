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
expect_checks 25 # every check below, when the flow runs to the end
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
# expect_code NAME STATUS_NAME — exit 1, and 3 results, each that error code, one per node.
expect_code() {
    local name=$1 code=$2
    python3 - "$tmp/$name.json" "$code" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["results"]
nodes = sorted(r["node"] for r in rs)
ok = nodes == ["node-1", "node-2", "node-3"] and all(r["status_name"] == sys.argv[2] for r in rs)
if not ok:
    print("   got:", [(r["node"], r["status_name"], r["error_text"]) for r in rs], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
    local rc=$?
    check "$name: every node answers $code, exit 1" $([ $rc -eq 0 ] && [ "$RC" -eq 1 ]; echo $?)
}
alive() { local i; for i in 1 2 3; do pid_alive "${NODE_PID[$i]}" || return 1; done; }

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
    if m["subject"].startswith("mpc.res.mpc-cli.dup-req-1."):
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
