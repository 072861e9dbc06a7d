#!/usr/bin/env bash
# tests/integration/test_stress_reduced.sh — a reduced run of the concurrency
# stress script (tests/stress/concurrency.sh) for `make test`: 10 wallets
# reshared while 60 signatures are made across those same wallets, W reshared
# for ed25519 and secp256k1 while it signs secp256k1 digests, no injected
# latency, bounded to 120 s. Signing a key while it is reshared is the point:
# every node must pick the same key version for each sign.
# Needs $MPC_BIN (mpc-node, mpc-cli). Prints "N passed, M failed".
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/tests/stress/concurrency.sh" --wallets 10 --signs 60 --samples 1 --time-limit 120
