#!/usr/bin/env bash
# tests/integration/test_ts_client.sh — issue 19: the TypeScript client
# (clients/typescript) against a real local cluster: nats-server and three
# mpc-node on 127.0.0.1, the nodes requiring 2 of 3 authorizer approvals.
# Installs the package from its lockfile (npm ci, offline first), builds it
# (code generated from proto/ at build time), then runs its unit tests and its
# cluster tests (node --test, TAP): every TAP test is one check here.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
PKG="$ROOT/clients/typescript"
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT
# 4 set-up checks + the TAP tests of the unit (22) and cluster (15) files + 2 examples.
expect_checks 43

node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
check "Node.js >= 20.19 ($(node --version 2>/dev/null || echo missing))" $?
(cd "$PKG" && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] ||
                timeout 600 npm ci --prefer-offline --no-audit --no-fund >"$tmp/npm-ci.log" 2>&1; } &&
               timeout 600 npm run build >"$tmp/npm-build.log" 2>&1)
rc=$?; check "npm ci + build (tsc, code generated from proto/)" $rc
[ $rc -eq 0 ] || { tail -30 "$tmp"/npm-*.log; summary; exit 1; }

cluster_init "$tmp" 3
auth=()
for a in 1 2 3; do "$MPC_CLI" initiator new --plain --out "$tmp/keys/auth-$a.key" >/dev/null || break; done
for a in 1 2 3; do
    auth+=("$("$MPC_CLI" initiator show --json "$tmp/keys/auth-$a.key" |
             python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')")
done
for i in 1 2 3; do
    printf 'authorizers:\n  keys: [%s, %s, %s]\n  required: 2\n' "${auth[@]}" >>"$tmp/node-$i.yaml"
done
check "cluster files, 2-of-3 authorizers, nats-server" $([ ${#auth[@]} -eq 3 ]; echo $?)
# Every node loses the first copy of these requests (the resubmission test).
export MPC_NODE_TEST_LOSE_FIRST=ts-lost-1,ts-lost-0
for i in 1 2 3; do cluster_start_node "$i"; done
unset MPC_NODE_TEST_LOSE_FIRST
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready (/readyz 200)" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

export MPC_TS_NATS_URL="nats://127.0.0.1:$NATS_PORT" MPC_TS_CLIENT_PASS="$MPC_NATS_PASS_CLIENT" \
       MPC_TS_NODE1_PASS="$MPC_NATS_PASS_NODE1" MPC_TS_PEERS="$tmp/peers.yaml" \
       MPC_TS_INITIATOR_KEY="$tmp/keys/client.key" MPC_TS_DIR="$tmp" MPC_TS_CLI="$(cd "$(dirname "$MPC_CLI")" && pwd)/mpc-cli" \
       MPC_TS_AUTH_KEYS="$tmp/keys/auth-1.key,$tmp/keys/auth-2.key,$tmp/keys/auth-3.key"
(cd "$PKG" && timeout 900 node --test --test-reporter=tap --test-concurrency=1 \
    dist/test/unit/ dist/test/cluster/) >"$tmp/tap.out" 2>&1
rc=$?
# Top-level TAP lines ("ok N - name" / "not ok N - name") are the tests.
while IFS= read -r line; do
    case $line in
        "ok "*)     check "ts: ${line#ok * - }" 0 ;;
        "not ok "*) check "ts: ${line#not ok * - }" 1 ;;
    esac
done <"$tmp/tap.out"
# The README's examples, as a user runs them (they make their own wallets).
export MPC_NATS_URL="$MPC_TS_NATS_URL" MPC_NATS_PASSWORD="$MPC_TS_CLIENT_PASS" MPC_PEERS="$MPC_TS_PEERS" \
       MPC_INITIATOR_KEY="$MPC_TS_INITIATOR_KEY" MPC_AUTHORIZER_KEYS="$tmp/keys/auth-1.key,$tmp/keys/auth-3.key"
(cd "$PKG" && timeout 300 node dist/examples/evm-sign.js "ts-evm-$$") >"$tmp/evm.out" 2>&1
grep -q '"ecrecover_matches":true' "$tmp/evm.out"
check "examples/evm-sign: ecrecover of the cluster's signature gives the wallet's address" $?
(cd "$PKG" && timeout 300 node dist/examples/solana-sign.js "ts-sol-$$") >"$tmp/sol.out" 2>&1
grep -q '"verified":true' "$tmp/sol.out"
check "examples/solana-sign: the Ed25519 signature verifies under the base58 address's key" $?
if [ "$failed" -gt 0 ] || [ $rc -ne 0 ]; then
    cat "$tmp/evm.out" "$tmp/sol.out"
    grep -v '^ *\(duration_ms\|\.\.\.\|---\)' "$tmp/tap.out" | tail -80
    cluster_tails
fi
summary
