#!/usr/bin/env bash
# tests/release/test_release_demo.sh — release smoke for `make test`: the demo
# flow (tests/demo/demo.sh: 3 nodes, ed25519 and secp256k1 keygen, sign,
# reshare, sign, verify with openssl) on the release binaries operators run
# (BUILD=release: -O2, FORTIFY, no MPC_FAULT_INJECTION hooks), which the ASan
# suites never exercise. MPC_RELEASE_BIN overrides build/release/bin.
# Prints "N passed, M failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/integration/lib/common.sh"
bin=${MPC_RELEASE_BIN:-$ROOT/build/release/bin}
expect_checks 3

[ -x "$bin/mpc-node" ] && [ -x "$bin/mpc-cli" ]
check "release mpc-node and mpc-cli present in $bin" $?
# The hooks read these variables; a release binary must not contain them.
! grep -qaE "MPC_NODE_TEST_|MPC_TEST_FAULTS" "$bin/mpc-node" 2>/dev/null && [ -s "$bin/mpc-node" ]
check "release mpc-node carries no fault-injection hook" $?
MPC_BIN=$bin bash "$ROOT/tests/demo/demo.sh"
check "demo flow on the release binaries" $?
summary
