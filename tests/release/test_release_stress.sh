#!/usr/bin/env bash
# mpc-test: serial
# tests/release/test_release_stress.sh — release smoke for `make test`: a
# reduced concurrency stress run (tests/stress/concurrency.sh: reshares of the
# keys being signed with, every outcome checked, stores consistent) on the
# release binaries (BUILD=release, no fault-injection layer: no --faults).
# MPC_RELEASE_BIN overrides build/release/bin. Prints "N passed, M failed".
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MPC_BIN=${MPC_RELEASE_BIN:-$ROOT/build/release/bin} \
    exec "$ROOT/tests/stress/concurrency.sh" --wallets 6 --signs 40 --wsigns 6 --samples 1 \
    --time-limit 150
