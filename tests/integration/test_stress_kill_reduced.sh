#!/usr/bin/env bash
# mpc-test: serial (kills and restarts a node during a sign storm: its retry deadlines assume the machine is its own)
# tests/integration/test_stress_kill_reduced.sh — a reduced run of the
# concurrency stress script in its --kill mode (tests/stress/concurrency.sh)
# for `make test`: 6 wallets, signs naming no signers across them (batches of
# 20, at least 3, until both kills are done) and 10 secp256k1 signs on W,
# while node-2 is killed with SIGKILL and restarted twice; every check must
# pass (each sign signed, one final outcome per node per request, the stores
# consistent and in agreement). Bounded to 300 s (scaled by cpu_scale, at most 3x).
# Needs $MPC_BIN (mpc-node, mpc-cli). Prints "N passed, M failed".
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/tests/stress/concurrency.sh" --kill --wallets 6 --signs 60 --wsigns 10 --samples 1 \
    --time-limit 300
