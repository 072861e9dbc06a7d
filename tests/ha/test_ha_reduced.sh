#!/usr/bin/env bash
# tests/ha/test_ha_reduced.sh — the HA scenarios (tests/ha/scenarios.sh) in the
# bounded form of `make test`: three clustered nats-servers with TLS and three
# nodes, each in its own network namespace; 30 signs and 2 reshares while a
# nats-server is SIGKILLed (every one must succeed), 30 signs (and 8 of a
# client whose only server is the cut one) across a 5 s partition of a
# nats-server (none lost or duplicated: a result whose publish failed during
# the election is republished by its node until JetStream acknowledges it,
# issue 16, DESIGN §4), a 10 s partition of node-1 during 2-of-3 signs that
# name their signers and, one batch after the other for the whole cut, signs
# that name none (every one must succeed: live signer choice and the nodes'
# retries, issue 15; 16 sent once node-1's heartbeats are stale must succeed
# before the heal). Only the sizes differ from tests/ha/full.sh. Its time
# limit (240 s) scales with the measured setup time or slowdown under load
# (at most 3x).
# Prints "N passed, M failed".
# mpc-test: serial
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/tests/ha/scenarios.sh" --signs 30 --reshares 2 --cut-s 5 --node-cut-s 10 --time-limit 240
