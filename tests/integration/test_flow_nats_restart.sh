#!/usr/bin/env bash
# tests/integration/test_flow_nats_restart.sh — flow 3 of issue 6: stop and
# restart nats-server under a running cluster. While it is down every node
# stays alive (/healthz 200) but not ready (/readyz not 200); after it comes
# back on the same port and JetStream store, every node reconnects by itself
# (/readyz 200 again, reconnects counted in its status), the key made before
# the outage still signs, and new requests succeed.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 21 # every check below, when the flow runs to the end
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

healthz() { curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:${HTTP_PORT[$1]}/healthz" 2>/dev/null; }
not_ready() { ! readyz "$1"; }
all() { local f=$1 i; for i in 1 2 3; do "$f" "$i" || return 1; done; }
sign_ok() { # sign_ok NAME -> 0 if the sign succeeded and openssl verifies
    cli sign --wallet w-nr --message-file "$tmp/msg" --json --timeout 60 --peers "$tmp/peers.yaml" \
        >"$tmp/$1.json" 2>"$tmp/$1.err" &&
    [ "$(jget "$tmp/$1.json" verified)" = true ] &&
    openssl_verify "$pk" "$tmp/msg" "$(jget "$tmp/$1.json" signature)"
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
printf 'nats restart flow' >"$tmp/msg"

cli keygen --wallet w-nr --threshold 2 --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/kg.json" 2>&1
check "keygen before the outage" $?
pk=$(jget "$tmp/kg.json" public_key)
sign_ok before; check "sign before the outage (openssl verifies)" $?

stop_pid "$NATS_PID" 5; NATS_PID=
wait_until 30 all not_ready; check "nats-server down: every /readyz turns not-ready" $?
all healthz; check "nats-server down: every node alive (/healthz 200)" $?
sleep 1   # keep it down across a few reconnect attempts
all healthz; check "still alive after reconnect attempts" $?

nats_start "$tmp" "$NATS_PORT"; check "nats-server restarts on the same port and store" $?
wait_until 60 all readyz; check "every node reconnects: /readyz 200 again" $?
for i in 1 2 3; do
    cli status --json "node-$i" >"$tmp/st$i.json" 2>/dev/null
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["node"]["transport"]["reconnects"] >= 1 else 1)' \
        "$tmp/st$i.json" 2>/dev/null
    check "node-$i status counts the reconnect" $?
done
sign_ok after; check "sign after the restart with the old key (openssl verifies)" $?
cli keygen --wallet w-nr2 --threshold 2 --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/kg2.json" 2>&1
check "new keygen after the restart" $?
for i in 1 2 3; do pid_alive "${NODE_PID[$i]}"; check "node-$i never died" $?; done
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
