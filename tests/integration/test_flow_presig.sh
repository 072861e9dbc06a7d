#!/usr/bin/env bash
# tests/integration/test_flow_presig.sh — ECDSA presignatures served by a
# running cluster (DESIGN §7 "Presignatures", issue 14 part 2). Three nodes
# with presign.pool_size 3 and one signer set {node-1, node-2} (node-1
# coordinates the refill):
#   - after a secp256k1 keygen the pools fill on both signers (/metrics);
#   - signs by {node-1, node-2} are served online: every Result names the
#     presignature it used (field 38 presig_used, the same at both signers),
#     the signature verifies with libsecp256k1 (mpc-cli) and openssl;
#   - kill -9 of node-2 at each kill point of online signing
#     (presig_after_read, presig_before_take, presig_after_take,
#     presig_after_online, armed with
#     MPC_NODE_TEST_KILL_AT for one request each): the request still ends with
#     one verified outcome per signer, and no presig_id ever appears in two
#     signatures (every Result of the run is collected);
#   - the pools refill after the restarts and agree again (reconciliation:
#     records a cut presign session left on one side only are dropped), and
#     the next sign is served online;
#   - a replayed sign request is answered from the request log: the same
#     signature and presig_used, no presignature taken for it;
#   - replayed online messages (captured on node-2's subjects, published
#     again by node-1's user) are answered GONE and run nothing;
#   - a malformed presign order is refused and counted by status on /metrics;
#   - a reshare empties the pool of the retired version (logged discard),
#     and the refilled pool of the new version signs.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=4000 CL_IDLE_MS=8000 CL_BARRIER_MS=4000 # quick redelivery and barrier failure
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 50
tmp=$(mktemp -d)
POOL=3
POINTS=(presig_after_read presig_before_take presig_after_take presig_after_online)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

node_dead() { ! pid_alive "$1"; }
records_at_least() { [ "$(node_metric "$1" mpc_presig_records)" -ge "$2" ]; }
js() { jget "$tmp/$1.json" "$2"; }

# sign NAME RID MSG — signs sha256(MSG) with {node-1, node-2}; $tmp/NAME.json, RC.
sign() {
    printf '%s' "$3" >"$tmp/$1.msg"
    cli sign --wallet w-ps --key-type secp256k1 --signers node-1,node-2 \
        --message-hex "$(sha256_hex "$tmp/$1.msg")" --request-id "$2" \
        --out-request "$tmp/$1.req" >/dev/null 2>"$tmp/$1.err"
    cli sign --request "$tmp/$1.req" --public-key "$PK" --json --timeout 120 \
        >"$tmp/$1.json" 2>>"$tmp/$1.err"
    RC=$?
}
# signed_ok NAME — both signers answered OK, mpc-cli verified both copies, they agree.
signed_ok() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if d["ok"] and d["consistent"] and sorted(r["node"] for r in rs) == ["node-1","node-2"]
         and all(r["ok"] and r.get("verified") is True for r in rs) else 1)' "$tmp/$1.json"
}
# presig NAME — the presig_used both signers report ("" if none; "DIFFER" if they differ).
presig() {
    python3 -c 'import json,sys
rs=json.load(open(sys.argv[1]))["results"]; p={r.get("presig_used","") for r in rs}
print(p.pop() if len(p) == 1 else "DIFFER")' "$tmp/$1.json"
}
openssl_ok() { openssl_verify_ecdsa "$PK" "$tmp/$1.msg" "$(js "$1" ecdsa_r)" "$(js "$1" ecdsa_s)"; }

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do
    printf 'presign:\n  pool_size: %d\n  max_per_second: 20\n  signers: ["node-2,node-1"]\n' \
        "$POOL" >>"$tmp/node-$i.yaml"
done
cli config-check "$tmp/node-1.yaml" >/dev/null 2>&1; check "config with a presign section accepted" $?
KILLS=""
for p in "${POINTS[@]}"; do KILLS="${KILLS:+$KILLS,}$p@ps-kill-$p"; done
cluster_start_node 1
MPC_NODE_TEST_KILL_AT="$KILLS" cluster_start_node 2
cluster_start_node 3
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

cli keygen --wallet w-ps --key-type secp256k1 --threshold 2 --json --timeout 90 \
    --request-id ps-kg >"$tmp/kg.json" 2>&1
check "secp256k1 keygen 2-of-3" $?
PK=$(js kg public_key)
wait_until 120 records_at_least 1 $POOL && wait_until 60 records_at_least 2 $POOL
check "the pools fill on both signers ($(node_metric 1 mpc_presig_records), $(node_metric 2 mpc_presig_records) records)" $?
check "node-3 (in no set) holds no presignature" $([ "$(node_metric 3 mpc_presig_records)" = 0 ]; echo $?)
check "node-1 coordinated the refill (orders sent: $(node_metric 1 mpc_presig_orders_sent_total))" \
    $([ "$(node_metric 1 mpc_presig_orders_sent_total)" -ge $POOL ]; echo $?)

# Online signs.
used=()
for k in 1 2; do
    sign on$k ps-on-$k "online sign $k"
    check "sign $k: both signers OK, verified with libsecp256k1 by mpc-cli" \
        $([ $RC -eq 0 ] && signed_ok on$k; echo $?)
    p=$(presig on$k); used+=("$p")
    check "sign $k: the Result says a presignature was used (${p:0:16}...)" \
        $([ ${#p} -eq 64 ]; echo $?)
    openssl_ok on$k; check "sign $k: openssl verifies the signature" $?
done
check "online signs counted on node-1 ($(node_metric 1 mpc_presig_online_signs_total))" \
    $([ "$(node_metric 1 mpc_presig_online_signs_total)" -ge 2 ]; echo $?)

# A replayed request: answered from the request log, no second signature.
before=$(node_metric 1 mpc_presig_online_signs_total)
cli sign --request "$tmp/on1.req" --x-msg-id ps-on-1-again --public-key "$PK" --json --timeout 60 \
    >"$tmp/replay.json" 2>/dev/null
check "a replayed request gets the same signature and presig_used, no new online sign" \
    $([ "$(js replay ecdsa_r)" = "$(js on1 ecdsa_r)" ] && [ "$(presig replay)" = "${used[0]}" ] &&
      [ "$(node_metric 1 mpc_presig_online_signs_total)" = "$before" ]; echo $?)

# A replayed online message (what a compromised signer can send again):
# every message node-2 heard during an online sign (its direct subject and
# the broadcasts, captured with node-2's credentials) is published again by
# node-1's user once the sign and the refill it triggered have ended. Each
# direct message is answered GONE (the sid is over), and nothing runs: no
# online sign, no presignature taken, no new session on node-2.
NP="$ROOT/tests/integration/lib/natsprobe.py"
wait_until 120 records_at_least 1 $POOL && wait_until 60 records_at_least 2 $POOL
python3 "$NP" 127.0.0.1 "$NATS_PORT" node-2 "$MPC_NATS_PASS_NODE2" cap \
    'mpc.s.*.b,mpc.s.*.d.node-2' 300 >"$tmp/cap.jsonl" 2>"$tmp/cap.err" &
cap_pid=$!
wait_until 15 grep -q ready "$tmp/cap.err"
sign on3 ps-on-3 "online sign 3"
p3=$(presig on3)
check "sign 3 under capture: served online (${p3:0:16}...), verified" \
    $([ $RC -eq 0 ] && signed_ok on3 && [ ${#p3} -eq 64 ]; echo $?)
wait_until 120 records_at_least 1 $POOL && wait_until 60 records_at_least 2 $POOL
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null
sessions2() { # every session node-2 ended, whatever its op and outcome
    curl -fsS --max-time 5 "http://127.0.0.1:${HTTP_PORT[2]}/metrics" |
        awk 'index($0, "mpc_sessions_total{") == 1 {n += $NF} END {print n + 0}'
}
on_before="$(node_metric 1 mpc_presig_online_signs_total) $(node_metric 2 mpc_presig_online_signs_total)"
rec_before=$(node_metric 2 mpc_presig_records) ses_before=$(sessions2)
python3 - "$NP" "$NATS_PORT" "$MPC_NATS_PASS_NODE1" "$tmp/cap.jsonl" >"$tmp/replay.txt" <<'PY'
import json, subprocess, sys
np, port, pw, cap = sys.argv[1:5]
direct = gone = bcast = 0
for line in open(cap):
    m = json.loads(line)
    op = "reqhex" if ".d." in m["subject"] else "pubhex"
    out = subprocess.run(["python3", np, "127.0.0.1", port, "node-1", pw, op, m["subject"], m["hex"]],
                         capture_output=True, text=True, timeout=30).stdout.strip()
    if op == "reqhex":
        direct += 1
        gone += out == "GONE"
    else:
        bcast += out == "allowed"
print(direct, gone, bcast)
PY
read -r n_direct n_gone n_bcast <"$tmp/replay.txt"
check "the capture holds the online sign's messages ($n_direct direct, $n_bcast broadcasts)" \
    $([ "${n_direct:-0}" -ge 1 ]; echo $?)
check "every replayed direct message is answered GONE ($n_gone of $n_direct)" \
    $([ "${n_gone:-0}" = "$n_direct" ]; echo $?)
check "the replay runs nothing: no online sign, no record taken, no sign session on node-2" \
    $([ "$(node_metric 1 mpc_presig_online_signs_total) $(node_metric 2 mpc_presig_online_signs_total)" = "$on_before" ] &&
      [ "$(node_metric 2 mpc_presig_records)" = "$rec_before" ] && [ "$(sessions2)" = "$ses_before" ]; echo $?)

# A malformed presign order from a node user is refused and counted by status.
python3 "$NP" 127.0.0.1 "$NATS_PORT" node-1 "$MPC_NATS_PASS_NODE1" pubhex mpc.n.node-2.presign \
    00ff00ff >/dev/null
malformed() { [ "$(node_metric 2 'mpc_presig_order_refusals_total{status="MPC_ERR_PRESIG_ORDER_MALFORMED"}')" -ge 1 ]; }
wait_until 30 malformed
check "a malformed presign order: refused, counted under its status on /metrics" $?

# kill -9 of node-2 at each point of online signing.
done_points=""
for p in "${POINTS[@]}"; do
    wait_until 120 records_at_least 1 $POOL && wait_until 60 records_at_least 2 $POOL
    printf 'kill %s' "$p" >"$tmp/k-$p.msg"
    cli sign --wallet w-ps --key-type secp256k1 --signers node-1,node-2 \
        --message-hex "$(sha256_hex "$tmp/k-$p.msg")" --request-id "ps-kill-$p" --x-no-wait \
        >/dev/null 2>>"$tmp/publish.err"
    wait_until 90 node_dead "${NODE_PID[2]}"
    check "$p: node-2 killed itself there" $?
    left=""; for q in "${POINTS[@]}"; do
        [ "$q" = "$p" ] && continue
        case "$done_points " in *" $q "*) continue ;; esac
        left="${left:+$left,}$q@ps-kill-$q"
    done
    done_points="$done_points $p"
    MPC_NODE_TEST_KILL_AT="$left" cluster_start_node 2
    cluster_wait_ready 2 90
    cli results --json --expect 2 --timeout 120 --message-hex "$(sha256_hex "$tmp/k-$p.msg")" \
        --public-key "$PK" "ps-kill-$p" >"$tmp/k-$p.json" 2>/dev/null
    check "$p: one verified outcome per signer after the restart ($(presig k-$p | cut -c1-8))" \
        $(signed_ok "k-$p"; echo $?)
    openssl_ok "k-$p"; check "$p: openssl verifies the signature" $?
done
# A presign session cut by a kill can end DONE at node-1 only (a record
# node-2 lacks). The next order carries node-1's inventory: node-2 drops what
# node-1 lacks and reports what it lacks, node-1 drops that (node/presign_order.h)
# once a record has been one-sided for 10 s (a sign in flight takes its record
# at one signer a moment before the other).
# Should the pools still differ, signs burn the one-sided records; sign until
# both pools are full again (bounded), every signature verified.
wait_until 120 records_at_least 1 $POOL
refill_ok=0; extra=0
while ! records_at_least 2 $POOL && [ $extra -lt 12 ]; do
    extra=$((extra + 1))
    sign burn$extra ps-burn-$extra "burn orphans $extra"
    [ $RC -eq 0 ] && signed_ok burn$extra || refill_ok=1
    wait_until 60 records_at_least 1 $POOL
    wait_until 15 records_at_least 2 $POOL
done
records_at_least 1 $POOL && records_at_least 2 $POOL || refill_ok=1
check "the pools refill after the restarts ($(node_metric 1 mpc_presig_records), $(node_metric 2 mpc_presig_records) records; $extra signs, all verified)" $refill_ok
sign again ps-again "online again after the restarts"
p=$(presig again)
check "a sign after the restarts is served online again: the pools agree (${p:0:16}...)" \
    $([ $RC -eq 0 ] && signed_ok again && [ ${#p} -eq 64 ]; echo $?)

# Every Result of the run: no presig_id in two different signatures.
python3 - "$tmp" <<'PY' >"$tmp/unique.txt"
import glob, json, sys
seen = {}
bad = 0
for f in glob.glob(sys.argv[1] + "/*.json"):
    try:
        d = json.load(open(f))
    except Exception:
        continue
    for r in d.get("results", []) if isinstance(d, dict) else []:
        p = r.get("presig_used", "")
        if r.get("ok") and p:
            sig = (d.get("ecdsa_r"), d.get("ecdsa_s"))
            if seen.setdefault(p, sig) != sig:
                bad += 1
print(len(seen), bad)
sys.exit(1 if bad else 0)
PY
check "no presig_id appears in two signatures ($(cut -d' ' -f1 "$tmp/unique.txt") used)" $?

# Reshare: the retired version's pool is discarded; the new version's pool signs.
cli reshare --wallet w-ps --key-type secp256k1 --new-participants node-1,node-2,node-3 \
    --new-threshold 2 --json --timeout 120 \
    --request-id ps-rs >"$tmp/rs.json" 2>&1
check "reshare 2-of-3" $?
discarded() { grep -q "presig_stale_discarded.*discarded=[1-9]" "$tmp/node-$1.log"; }
wait_until 60 discarded 1 && wait_until 60 discarded 2
check "the reshare discarded the retired version's presignatures on both signers" $?
wait_until 120 records_at_least 1 $POOL && wait_until 60 records_at_least 2 $POOL
check "the pools refill for the new version" $?
sign after ps-after "after the reshare"
p=$(presig after)
check "a sign after the reshare is served online and verifies under the same key" \
    $([ $RC -eq 0 ] && signed_ok after && [ ${#p} -eq 64 ] && [ "$(js after key_version)" = 2 ]; echo $?)
openssl_ok after; check "openssl verifies it" $?

# Refills yield to requests (issue 14): a pool at least half full is not
# refilled while a request runs on the coordinator. A sign by {node-1, node-3}
# with node-3 stopped keeps a job on node-1 (barrier failures, retried);
# meanwhile an online sign takes the pool from 3 to 2: node-1 puts the
# refill off (counted) until that job ends, then refills.
cluster_stop_node 3
cli sign --wallet w-ps --key-type secp256k1 --signers node-1,node-3 \
    --message-hex "$(printf 'held' | sha256sum | cut -c1-64)" --request-id ps-held \
    --timeout 60 >"$tmp/held.out" 2>&1 &
held_pid=$!
held_running() { grep -q "request_started request=ps-held" "$tmp/node-1.log"; }
wait_until 30 held_running; check "a sign waiting for stopped node-3 runs on node-1" $?
d0=$(node_metric 1 mpc_presig_refills_deferred_total)
sign yield ps-yield "while another request runs"
deferred() { [ "$(node_metric 1 mpc_presig_refills_deferred_total)" -gt "$d0" ]; }
wait_until 20 deferred; rc=$?
r1=$(node_metric 1 mpc_presig_records)
check "online sign while a request runs: served, the refill put off (records $r1)" \
    $([ $RC -eq 0 ] && signed_ok yield && [ $rc -eq 0 ] && [ "$r1" -eq $((POOL - 1)) ]; echo $?)
cluster_start_node 3; cluster_wait_ready 3 90
wait_until 90 records_at_least 1 $POOL && wait_until 60 records_at_least 2 $POOL
check "once no request runs, the pool refills" $?
kill "$held_pid" 2>/dev/null; wait "$held_pid" 2>/dev/null
for i in 1 2 3; do pid_alive "${NODE_PID[$i]}"; check "node-$i running at the end" $?; done
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
