#!/usr/bin/env bash
# tests/integration/test_nats_permissions.sh — flow 7 of issue 6: the subject
# permissions of configs/cluster/nats-server.conf, checked against a real
# nats-server (2.9) on a random loopback port. The users block it includes
# (configs/cluster/nats-users.conf) must be what `mpc-cli subjects
# --nats-conf` generates from the code's permission table, and every case
# `mpc-cli subjects --json` derives from that table (what each user may and
# may not publish/subscribe) is tried against the server. Scenarios: a node
# user cannot consume,
# inspect, create or ack another node's durable consumer, and each refusal has
# a positive control (the legitimate neighbour action succeeds). Permission
# errors are observed as the server reports them (-ERR 'Permissions
# Violation', and its log). Then the real daemon: mpc-node configured as
# node-1 but authenticated as NATS user node-2 must fail to set up node-1's
# durable and exit non-zero. Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

"$MPC_CLI" subjects --nats-conf >"$tmp/nats-users.conf"
check "mpc-cli subjects --nats-conf runs" $?
diff -u "$ROOT/configs/cluster/nats-users.conf" "$tmp/nats-users.conf" >&2
check "configs/cluster/nats-users.conf is generated from the permission table" $?
"$MPC_CLI" subjects --json >"$tmp/table.json"
check "mpc-cli subjects --json runs" $?
cluster_init "$tmp" 3; check "nats-server starts with configs/cluster/nats-server.conf" $?
if pid_alive "$NATS_PID"; then
    timeout 60 python3 "$ROOT/tests/integration/lib/perm_scenario.py" 127.0.0.1 "$NATS_PORT" \
        "$tmp/table.json" >"$tmp/scenario.out" 2>&1
    scenario_rc=$?
    lines=0
    while read -r status name; do
        lines=$((lines + 1))
        case $status in
            ok)   check "$name" 0 ;;
            FAIL) check "$name" 1 ;;
        esac
    done < <(sed -n 's/^\(ok\|FAIL\) *\(.*\)$/\1 \2/p' "$tmp/scenario.out")
    check "perm_scenario.py ran to the end and exited 0 (exit $scenario_rc)" $scenario_rc
    [ "$scenario_rc" -eq 0 ] || cat "$tmp/scenario.out" >&2
    counted=$(sed -n 's/^checks \([0-9]*\)$/\1/p' "$tmp/scenario.out")
    check "every check the scenario made was recorded ($lines of ${counted:-?})" \
        $([ "$lines" = "${counted:-x}" ] && [ "$lines" -gt 40 ]; echo $?)
    # 3 (table) + 1 (nats-server) + the scenario's lines + 2 (its exit, its count) + 4 (the daemon)
    expect_checks $((3 + 1 + lines + 2 + 4))
    violations=$(grep -c " Violation - User" "$tmp/nats.log" || true)
    echo "     server log: $violations permission violations recorded"
fi

# The daemon itself: node-1's config with node-2's NATS credentials. The
# refused durable request gets no answer (a timeout, which the node retries as
# it would an election) until jetstream.setup_timeout_ms: 10 s here, not the
# default 60 s (47 s of this suite's 109 at load 18).
sed -e "s#^  user: node-1#  user: node-2#" -e "s#^  password: .*#  password: $MPC_NATS_PASS_NODE2#" \
    "$tmp/node-1.yaml" >"$tmp/node-1-as-2.yaml"
grep -q '^jetstream:' "$tmp/node-1-as-2.yaml" ||
    printf 'jetstream:\n  setup_timeout_ms: 10000\n' >>"$tmp/node-1-as-2.yaml"
chmod 600 "$tmp/node-1-as-2.yaml"
"$MPC_NODE" -c "$tmp/node-1-as-2.yaml" >"$tmp/impostor.log" 2>&1 &
imp=$!
for ((i = 0; i < 600; i++)); do pid_alive "$imp" || break; sleep 0.1; done
if pid_alive "$imp"; then stop_pid "$imp" 5; rc=0; else wait "$imp"; rc=$?; fi
check "mpc-node as node-1 with NATS user node-2 refuses to run (exit $rc)" $([ $rc -ne 0 ]; echo $?)
grep -qE 'Violation - User "node-2", Subject "\$JS\.API\.CONSUMER\.[A-Z.]*MPC_REQ\.node_node-1' "$tmp/nats.log"
check "server refused node-2's access to node-1's durable (log)" $?
grep -qiE "permission|not permitted" "$tmp/impostor.log"
check "the node reports a permission error" $?
! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$tmp/impostor.log"
check "no sanitizer report" $?
[ "$failed" -eq 0 ] || { log_tail "$tmp/nats.log" 40; log_tail "$tmp/impostor.log" 10; }
summary
