#!/usr/bin/env bash
# mpc-test: serial (a storm of signs with a kill -9: its retry deadlines assume the machine is its own)
# tests/integration/test_flow_kill_storm.sh — issue 15 "what must be shown":
# kill -9 one node of three during a storm of 2-of-3 signs of both key types
# that name no signers (the cluster chooses `threshold` live holders), then
# restart it. Without any resubmission, at least 99 % of the requests end
# signed (2 verified signatures, the third holder MPC_ERR_NOT_SELECTED), the
# rest with a clear status, none lost: every request has exactly one final
# outcome from each node (counted per request), and no node published two
# different outcomes for one request (a core-NATS monitor compares every
# copy). Prints the count per status and "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=4000 CL_IDLE_MS=8000 # quick redelivery to the restarted node
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 22
tmp=$(mktemp -d)
MON_PID=
N=${MPC_KILL_STORM_N:-50} # signs per key type
W=w-kill-storm
cleanup() {
    stop_pid "$MON_PID" 2; cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
python3 "$PROBE" 127.0.0.1 "$NATS_PORT" client "$MPC_NATS_PASS_CLIENT" mon 'mpc.res.mpc-cli.*.*' 900 \
    >"$tmp/monitor.jsonl" 2>"$tmp/monitor.err" &
MON_PID=$!
wait_until 10 grep -q ready "$tmp/monitor.err"; check "result monitor subscribed" $?

cli keygen --wallet $W --key-type ed25519 --key-type secp256k1 --threshold 2 --json --timeout 90 \
    --peers "$tmp/peers.yaml" >"$tmp/kg.json" 2>&1
check "keygen 2-of-3, ed25519 + secp256k1" $?
pk_ed=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print([r["public_key"] for r in d["results"] if r["key_type"] == "ed25519"][0])' "$tmp/kg.json")
pk_ec=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print([r["public_key"] for r in d["results"] if r["key_type"] == "secp256k1"][0])' "$tmp/kg.json")
[ ${#pk_ed} -eq 64 ] && [ ${#pk_ec} -eq 66 ]; check "both public keys known" $?

# Save every request first (no signers named), then publish them all at once.
msg() { printf 'kill-storm-%s-%03d' "$1" "$2" | od -An -tx1 | tr -d ' \n'; }
dig() { printf 'kill-storm-%s-%03d' "$1" "$2" | sha256sum | cut -c1-64; }
saved=0
for ((k = 1; k <= N; k++)); do
    cli sign --wallet $W --key-type ed25519 --message-hex "$(msg ed $k)" --request-id "ks-ed-$k" \
        --out-request "$tmp/ks-ed-$k.req" >/dev/null 2>>"$tmp/publish.err" || saved=1
    cli sign --wallet $W --key-type secp256k1 --message-hex "$(dig ec $k)" \
        --request-id "ks-ec-$k" --out-request "$tmp/ks-ec-$k.req" >/dev/null \
        2>>"$tmp/publish.err" || saved=1
done
check "$((2 * N)) sign requests saved" $saved
# publish FILE — one saved request, its connection retried (a client that
# could not connect has published nothing; the same bytes and message id again
# are deduplicated by JetStream).
publish() {
    local try
    for ((try = 1; try <= 5; try++)); do
        cli sign --request "$1" --x-no-wait >/dev/null 2>>"$tmp/publish.err" && return 0
        sleep 0.5
    done
    return 1
}
t0=$(now_ms)
pub=0
for ((k = 1; k <= N; k += 5)); do # 10 publishers at a time
    pids=()
    for ((j = k; j < k + 5 && j <= N; j++)); do
        publish "$tmp/ks-ed-$j.req" & pids+=($!)
        publish "$tmp/ks-ec-$j.req" & pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || pub=1; done
done
check "$((2 * N)) sign requests published" $pub
# Kill node-2 in the middle of the storm: once a fifth of the outcomes are out.
wait_until 120 python3 -c 'import sys; sys.exit(0 if sum(1 for _ in open(sys.argv[1])) >= int(sys.argv[2]) else 1)' \
    "$tmp/monitor.jsonl" $((3 * 2 * N / 5))
check "storm under way (a fifth of the outcomes published)" $?
cluster_kill9_node 2; check "node-2 killed with SIGKILL mid-storm" $?
cluster_start_node 2
cluster_wait_ready 2 90; check "node-2 restarted and ready" $?

# Every request: one final outcome per node; count the signed ones.
for kt in ed ec; do
    for ((k = 1; k <= N; k++)); do
        if [ $kt = ed ]; then m=$(msg ed $k) pk=$pk_ed; else m=$(dig ec $k) pk=$pk_ec; fi
        cli results --json --expect 3 --timeout 150 --message-hex "$m" --public-key "$pk" \
            "ks-$kt-$k" >"$tmp/r-$kt-$k.json" 2>/dev/null
    done
done
STORM_MS=$(($(now_ms) - t0))
python3 - "$tmp" "$N" >"$tmp/count.txt" <<'PY'
import collections, json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
all3 = signed = clear = badsig = 0
codes = collections.Counter()
for kt in ("ed", "ec"):
    for k in range(1, n + 1):
        try:
            d = json.load(open("%s/r-%s-%d.json" % (tmp, kt, k)))
        except ValueError:
            print("unreadable", kt, k)
            continue
        rs = d["results"]
        nodes = sorted(r["node"] for r in rs)
        all3 += nodes == ["node-1", "node-2", "node-3"] and d["duplicates"] == 0
        ok = sum(r["ok"] for r in rs)
        ns = sum(r["status_name"] == "MPC_ERR_NOT_SELECTED" for r in rs)
        badsig += sum(r.get("verified") is False for r in rs)
        signed += ok >= 2 and ok + ns == len(rs) == 3
        clear += all(r["ok"] or r["status_code"] > 0 for r in rs) and len(rs) == 3
        codes.update(r["status_name"] for r in rs)
print(all3, signed, clear, badsig)
print("by code:", ", ".join("%s %d" % kv for kv in sorted(codes.items())))
PY
read -r all3 signed clear badsig <"$tmp/count.txt"
TOTAL=$((2 * N))
check "none lost: every request has exactly one outcome from each node ($all3 of $TOTAL)" \
    $([ "$all3" = $TOTAL ]; echo $?)
check "every outcome is a success or a clear status ($clear of $TOTAL requests)" \
    $([ "$clear" = $TOTAL ]; echo $?)
check "every signature verifies under its group key" $([ "$badsig" = 0 ]; echo $?)
check "at least 99 % signed without resubmission ($signed of $TOTAL)" \
    $([ $((signed * 100)) -ge $((TOTAL * 99)) ]; echo $?)
echo "     storm: $TOTAL signs (2 key types), $signed signed, $((STORM_MS / 1000)) s to the last result"
sed -n 2p "$tmp/count.txt" | sed 's/^/     /'
echo "     sign attempts retried (node logs): $(cat "$tmp"/node-*.log | grep -c sign_retry_started)," \
    "results adopted from a co-signer: $(cat "$tmp"/node-*.log | grep -c peer_result_adopted)," \
    "sessions failed: $(cat "$tmp"/node-*.log | grep -c 'event=end .*status=MPC_ERR')"

python3 "$ROOT/tests/integration/lib/outcomes.py" consistent "$tmp/monitor.jsonl" ks- $TOTAL \
    >"$tmp/consistent.txt"
check "no node published two different outcomes for one request" $?
sed 's/^/     monitor: /' "$tmp/consistent.txt"
for i in 1 2 3; do pid_alive "${NODE_PID[$i]}"; check "node-$i running at the end" $?; done
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
