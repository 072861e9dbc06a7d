#!/usr/bin/env bash
# tests/integration/test_flow_resubmit.sh — nothing acknowledged is lost when
# JetStream loses a request (issue 16): mpc-cli publishes the same signed
# request again under a new Nats-Msg-Id (--resubmit-ms), and the nodes run it
# exactly once (DESIGN §4, "Client resubmission").
# Every node runs with MPC_NODE_TEST_LOSE_FIRST (node/intake_fault.h): the
# first copy of each named request is acked and dropped unread on EVERY node,
# as if the stream had PubAck'ed it and then never delivered it.
#   - keygen (ed25519 + secp256k1), sign EdDSA, sign ECDSA, reshare: with
#     resubmission the client gets one verified answer, each node ran the
#     request once (one request_started, one request_done per key type) and
#     the keys have the versions of ONE keygen and ONE reshare;
#   - the same with --resubmit-ms 0: the client times out (exit 3) and no
#     node ever ran the request;
#   - a resubmission that arrives while the first copy still runs (node-2's
#     session messages delayed, MPC_TEST_FAULTS): never a second run, the copy
#     is answered from the request log (request_running_copy, then
#     request_republished), one signature.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=3000 # a copy Nak'ed while its request runs comes back soon
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 40
tmp=$(mktemp -d)
cleanup() {
    cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT

# Request ids whose first copy every node loses.
export MPC_NODE_TEST_LOSE_FIRST=rs-kg,rs-kg0,rs-ed,rs-ed0,rs-edx,rs-ec,rs-ec0,rs-rs,rs-rs0
# n_log I PATTERN — lines of node-I's log matching PATTERN.
n_log() { grep -c -- "$2" "$CL_DIR/node-$1.log" 2>/dev/null || true; }
# ran_once RID NODES... — on each node: its first copy lost, started once, done once per key type
# (KT, default 1), no second start.
ran_once() {
    local rid=$1 i bad=0
    shift
    for i in "$@"; do
        [ "$(n_log "$i" "event=fault_request_lost request=$rid\$")" -eq 1 ] || bad=1
        [ "$(n_log "$i" "event=request_started request=$rid ")" -eq 1 ] || bad=1
        [ "$(n_log "$i" "event=request_done request=$rid .*status=MPC_OK")" -eq "${KT:-1}" ] ||
            bad=1
    done
    [ $bad -eq 0 ] || echo "   $rid: not run exactly once on nodes $*"
    return $bad
}
# never_ran RID — lost on every node, started on none.
never_ran() {
    local i bad=0
    for i in 1 2 3; do
        [ "$(n_log "$i" "event=fault_request_lost request=$1\$")" -eq 1 ] || bad=1
        [ "$(n_log "$i" "event=request_started request=$1 ")" -eq 0 ] || bad=1
    done
    return $bad
}
# resubmitted NAME — the JSON says ok with at least one resubmission; with --json the
# copies are counted there, not written to stderr (which stays free for errors).
resubmitted() {
    local n
    n=$(jget "$tmp/$1.json" resubmissions)
    [ "$(jget "$tmp/$1.json" ok)" = "true" ] && [ "${n:-0}" -ge 1 ] &&
        [ "$(grep -c "resubmitted (" "$tmp/$1.err")" -eq 0 ]
}
# req NAME ARGS... — runs mpc-cli ARGS --json into $tmp/NAME.json / .err; RC.
req() {
    local name=$1
    shift
    cli "$@" --json >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
# sig_count NAME — distinct signatures among the successful copies of a sign.
sig_count() {
    python3 -c 'import json,sys
rs=json.load(open(sys.argv[1]))["results"]
print(len({(r.get("signature") or "") + (r.get("ecdsa_r") or "") + (r.get("ecdsa_s") or "")
           for r in rs if r["ok"]}))' \
        "$tmp/$1.json"
}

cluster_init "$tmp" 3
check "cluster files and nats-server" $?
ready=0
for i in 1 2 3; do cluster_start_node "$i"; done
for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready, each losing the first copy of the named requests" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

# 1. keygen of two key types.
req kg keygen --wallet w-rs --key-type ed25519 --key-type secp256k1 --threshold 2 \
    --request-id rs-kg --resubmit-ms 1500 --timeout 120
[ $RC -eq 0 ] && resubmitted kg
check "keygen rs-kg: lost, resubmitted, one verified answer (exit $RC)" $?
KT=2 ran_once rs-kg 1 2 3
check "keygen rs-kg ran once on every node (both key types)" $?
[ "$(jget "$tmp/kg.json" key_version)" = "1" ]
check "keygen rs-kg: key version 1" $?
PK_ED=$(python3 -c 'import json,sys
print(next(r["public_key"] for r in json.load(open(sys.argv[1]))["results"] if r["key_type"] == "ed25519"))' \
    "$tmp/kg.json" 2>/dev/null)
[ -n "$PK_ED" ]
check "keygen rs-kg: an ed25519 group key" $?
req kg0 keygen --wallet w-rs0 --threshold 2 --request-id rs-kg0 --resubmit-ms 0 --timeout 8
[ $RC -eq 3 ] && [ "$(jget "$tmp/kg0.json" outcome)" = "timeout" ]
check "keygen rs-kg0 with --resubmit-ms 0: timeout, exit 3 (exit $RC)" $?
never_ran rs-kg0
check "keygen rs-kg0: no node ever ran it" $?

# 2. sign EdDSA and ECDSA.
req ed sign --wallet w-rs --signers node-1,node-2 --message-hex 0a0b0c0d --request-id rs-ed \
    --resubmit-ms 1500 --timeout 60
[ $RC -eq 0 ] && resubmitted ed
check "sign EdDSA rs-ed: lost, resubmitted, verified (exit $RC)" $?
ran_once rs-ed 1 2 && [ "$(sig_count ed)" = "1" ]
check "sign EdDSA rs-ed ran once on each signer: one signature" $?
[ -n "$PK_ED" ] && [ "$(jget "$tmp/ed.json" public_key)" = "$PK_ED" ]
check "sign EdDSA rs-ed: under the group key of rs-kg" $?
req ed0 sign --wallet w-rs --signers node-1,node-2 --message-hex 0a0b0c0e --request-id rs-ed0 \
    --resubmit-ms 0 --timeout 6
[ $RC -eq 3 ]
check "sign EdDSA rs-ed0 with --resubmit-ms 0: timeout (exit $RC)" $?
never_ran rs-ed0
check "sign EdDSA rs-ed0: no node ever ran it" $?
req edx sign --wallet w-rs --signers node-1,node-2 --message-hex 0a0b0c0f --request-id rs-edx \
    --expires-in 2 --resubmit-ms 1800 --timeout 6
refused_copies=$(cat "$CL_DIR"/node-[123].log | grep -c "event=request_rejected request=rs-edx ")
[ $RC -eq 3 ] && grep -q "not resubmitted: it expires" "$tmp/edx.err" &&
    [ "$(jget "$tmp/edx.json" resubmissions)" = "0" ] && never_ran rs-edx && [ "$refused_copies" -eq 0 ]
check "sign rs-edx lost, expiring before a copy could arrive: not resubmitted, timeout (exit $RC)" $?
DIG=$(printf 'resubmit' | sha256sum | cut -c1-64)
req ec sign --wallet w-rs --key-type secp256k1 --signers node-2,node-3 --message-hex "$DIG" \
    --request-id rs-ec --resubmit-ms 1500 --timeout 90
[ $RC -eq 0 ] && resubmitted ec
check "sign ECDSA rs-ec: lost, resubmitted, verified (exit $RC)" $?
ran_once rs-ec 2 3 && [ "$(sig_count ec)" = "1" ]
check "sign ECDSA rs-ec ran once on each signer: one signature" $?
req ec0 sign --wallet w-rs --key-type secp256k1 --signers node-2,node-3 --message-hex "$DIG" \
    --request-id rs-ec0 --resubmit-ms 0 --timeout 6
[ $RC -eq 3 ]
check "sign ECDSA rs-ec0 with --resubmit-ms 0: timeout (exit $RC)" $?
never_ran rs-ec0
check "sign ECDSA rs-ec0: no node ever ran it" $?

# 3. reshare (ed25519): one new version, not two.
req rs reshare --wallet w-rs --new-participants node-1,node-2,node-3 --new-threshold 2 \
    --request-id rs-rs --resubmit-ms 1500 --timeout 120
[ $RC -eq 0 ] && resubmitted rs
check "reshare rs-rs: lost, resubmitted, one answer (exit $RC)" $?
ran_once rs-rs 1 2 3
check "reshare rs-rs ran once on every node" $?
[ "$(jget "$tmp/rs.json" key_version)" = "2" ]
check "reshare rs-rs: key version 2 (one reshare)" $?
req rs0 reshare --wallet w-rs --new-participants node-1,node-2,node-3 --new-threshold 2 \
    --request-id rs-rs0 --resubmit-ms 0 --timeout 8
[ $RC -eq 3 ]
check "reshare rs-rs0 with --resubmit-ms 0: timeout (exit $RC)" $?
never_ran rs-rs0
check "reshare rs-rs0: no node ever ran it" $?
req after sign --wallet w-rs --signers node-1,node-3 --message-hex 01 --timeout 60
[ $RC -eq 0 ] && [ "$(jget "$tmp/after.json" key_version)" = "2" ] &&
    [ "$(jget "$tmp/after.json" resubmissions)" = "0" ]
check "a sign after them: key version 2, no resubmission needed (exit $RC)" $?

# 4. A resubmission while the first copy still runs: node-2's session messages delayed.
cluster_stop_node 2
check "node-2 stopped" $?
export MPC_TEST_FAULTS="delay_ms=2000"
cluster_start_node 2
unset MPC_TEST_FAULTS
cluster_wait_ready 2 90
check "node-2 restarted with its session messages delayed 2000 ms" $?
req warm sign --wallet w-rs --signers node-1,node-2 --message-hex 3a3a --resubmit-ms 0 --timeout 90
[ $RC -eq 0 ]
check "a first sign by node-1 and the slowed node-2 (exit $RC)" $?
# A copy that arrives after the request expired while the first copy still runs (one sent
# just before the expiry, delivered after it) is the running request's copy: never a
# refusal logged and published under the id the running job answers. mpc-cli sends no
# copy that close to the expiry, so this one is sent by hand (--x-msg-id: a new Msg-Id).
cli sign --wallet w-rs --signers node-1,node-2 --message-hex e0e0 --request-id rs-exp \
    --expires-in 1 --out-request "$tmp/exp.req" >/dev/null 2>&1
t_exp=$(($(now_ms) + 1500))
cli sign --request "$tmp/exp.req" --x-no-wait >/dev/null 2>&1
exp_started() { [ "$(n_log 1 "event=request_started request=rs-exp ")" -ge 1 ]; }
past_expiry() { [ "$(now_ms)" -ge "$t_exp" ]; }
wait_until 60 exp_started && wait_until 10 past_expiry &&
    [ "$(n_log 1 "event=request_done request=rs-exp ")" -eq 0 ]
check "rs-exp (expires in 1 s) runs on node-1 past its expiry" $?
cli sign --request "$tmp/exp.req" --x-no-wait --x-msg-id rs-exp-copy-by-hand >/dev/null 2>&1
cli results --json --expect 3 --timeout 90 rs-exp >"$tmp/exp.json" 2>/dev/null
python3 -c 'import json,sys
rs=json.load(open(sys.argv[1]))["results"]; ok=sorted(r["node"] for r in rs if r["ok"])
sys.exit(0 if ok == ["node-1","node-2"] else 1)' "$tmp/exp.json" && [ "$(sig_count exp)" = "1" ]
check "rs-exp: both signers answered with one signature" $?
copies=0 refusals=0
for i in 1 2; do
    copies=$((copies + $(n_log "$i" "event=request_running_copy request=rs-exp ")))
    refusals=$((refusals + $(n_log "$i" "event=request_rejected request=rs-exp ")))
done
[ "$copies" -ge 1 ] && [ "$refusals" -eq 0 ]
check "its expired copy was taken as the running request's ($copies), never refused ($refusals)" $?
req slow sign --wallet w-rs --signers node-1,node-2 --message-hex 5105 --request-id rs-slow \
    --resubmit-ms 300 --timeout 90
[ $RC -eq 0 ] && resubmitted slow && [ "$(sig_count slow)" = "1" ]
check "sign rs-slow (resubmitted at 300 ms): one verified signature (exit $RC)" $?
copies=0
for i in 1 2; do copies=$((copies + $(n_log "$i" "event=request_running_copy request=rs-slow "))); done
[ "$copies" -ge 1 ]
check "a resubmitted copy reached a signer while rs-slow ran ($copies), and was Nak'ed" $?
started=0
for i in 1 2; do started=$((started + $(n_log "$i" "event=request_started request=rs-slow "))); done
[ "$started" -eq 2 ]
check "rs-slow started once on each signer ($started starts)" $?
republished() {
    local i
    for i in 1 2; do
        [ "$(n_log "$i" "event=request_republished request=rs-slow ")" -ge 1 ] && return 0
    done
    return 1
}
wait_until 60 republished
check "the Nak'ed copy came back and was answered from the request log" $?
done_n=0
for i in 1 2; do done_n=$((done_n + $(n_log "$i" "event=request_done request=rs-slow "))); done
[ "$done_n" -eq 2 ]
check "rs-slow done once on each signer ($done_n)" $?
cli results --json --expect 2 --timeout 30 rs-slow >"$tmp/slow2.json" 2>/dev/null
[ "$(sig_count slow2)" = "1" ] && [ "$(jget "$tmp/slow2.json" duplicates)" = "0" ]
check "the stored results of rs-slow: one signature, no duplicate copy" $?
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
