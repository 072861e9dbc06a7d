#!/usr/bin/env bash
# tests/integration/test_nats_permissions.sh — flow 7 of issue 6: the subject
# permissions of configs/cluster/nats-server.conf, checked against a real
# nats-server (2.9) on a random loopback port: a client user cannot publish
# session traffic (mpc.s.>) nor forge results, a node user cannot consume,
# inspect, create or ack another node's durable consumer, and each refusal has
# a positive control (the legitimate neighbour action succeeds). Permission
# errors are observed as the server reports them (-ERR 'Permissions Violation').
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
tmp=$(mktemp -d)
NATS_PID=
cleanup() { stop_pid "$NATS_PID" 5; rm -rf "$tmp"; }
trap cleanup EXIT

nats_env
port=$(free_port)
nats_start "$tmp" "$port"; check "nats-server starts with configs/cluster/nats-server.conf" $?
if pid_alive "$NATS_PID"; then
    while read -r status name; do
        case $status in
            ok)   check "$name" 0 ;;
            FAIL) check "$name" 1 ;;
        esac
    done < <(timeout 60 python3 "$ROOT/tests/integration/lib/perm_scenario.py" 127.0.0.1 "$port" 2>&1 |
             tee "$tmp/scenario.out" | sed -n 's/^\(ok\|FAIL\) *\(.*\)$/\1 \2/p')
    grep -q Traceback "$tmp/scenario.out" && { cat "$tmp/scenario.out" >&2; check "scenario ran to the end" 1; }
    violations=$(grep -c " Violation - User" "$tmp/nats.log" || true)
    echo "server log: $violations permission violations recorded"
fi
[ "$failed" -eq 0 ] || log_tail "$tmp/nats.log" 40
summary
