#!/usr/bin/env bash
# tests/ha/test_ha_reduced.sh — the HA scenarios (tests/ha/scenarios.sh) in the
# bounded form of `make test`: three clustered nats-servers with TLS and three
# nodes, each in its own network namespace; 30 signs and 2 reshares while a
# nats-server is SIGKILLed, 30 signs (and 8 of a client whose only server is
# the cut one) across a 5 s partition of a nats-server, a 10 s partition of
# node-1 during 2-of-3 signs that name their signers.
# Signs naming no signers during the node partition need live signer choice
# (issue 15): `tests/ha/scenarios.sh --live-choice` asserts them; this reduced
# run does not. Its time limit (240 s) scales with the measured setup time
# under load (at most 3x). Prints "N passed, M failed".
# mpc-test: serial
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/tests/ha/scenarios.sh" --signs 30 --reshares 2 --cut-s 5 --node-cut-s 10 --time-limit 240
