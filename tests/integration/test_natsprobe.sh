#!/usr/bin/env bash
# tests/integration/test_natsprobe.sh — the tests' minimal NATS client
# (tests/integration/lib/natsprobe.py, the result monitor of the crash flows
# and of tests/stress/concurrency.sh) against a scripted fake server
# (lib/natsprobe_selftest.py): a message whose payload arrives after the
# reader's deadline is not lost; a server that requires TLS (the HA cluster)
# is reached over TLS verified against $MPC_NATS_CA (certificates from
# configs/cluster-ha/gen-certs.sh), and refused with another CA or none.
# Prints "N passed, M failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/integration/lib/common.sh"
expect_checks 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ST="$ROOT/tests/integration/lib/natsprobe_selftest.py"

timeout 60 python3 "$ST" split
check "a MSG whose payload arrives after the read deadline is delivered whole" $?
"$ROOT/configs/cluster-ha/gen-certs.sh" "$tmp/a" 127.0.0.1 127.0.0.2 127.0.0.3 >/dev/null &&
    "$ROOT/configs/cluster-ha/gen-certs.sh" "$tmp/b" 127.0.0.1 127.0.0.2 127.0.0.3 >/dev/null
[ $? -eq 0 ] || { echo "gen-certs.sh failed"; summary; exit 1; }
timeout 60 python3 "$ST" tls "$tmp/a/nats-1.pem" "$tmp/a/nats-1.key" "$tmp/a/ca.pem"
check "TLS required by the server: verified against MPC_NATS_CA, message read" $?
timeout 60 python3 "$ST" tls-wrong-ca "$tmp/a/nats-1.pem" "$tmp/a/nats-1.key" "$tmp/b/ca.pem"
check "TLS: a server certificate of another CA is refused" $?
timeout 60 python3 "$ST" tls-no-ca "$tmp/a/nats-1.pem" "$tmp/a/nats-1.key"
check "TLS required and no MPC_NATS_CA: refused" $?
summary
