# tests/integration/lib/cluster.sh — a local mpc-node cluster for the demo and
# the integration flows: nats-server (configs/cluster/nats-server.conf) on a
# free loopback port, N nodes built from configs/cluster/node-N.yaml (ports,
# passwords and the initiator key substituted), every file in one temp dir.
# Source lib/common.sh first. Needs $MPC_BIN (mpc-node, mpc-cli).
#
#   cluster_init DIR [N]      identities, peers, initiator key, configs; starts nats
#   cluster_start_node I      starts node-I in the background (pid in NODE_PID[I])
#   cluster_wait_ready I [S]  waits until GET /readyz of node-I answers 200
#   cluster_stop_node I       SIGTERM, waits, returns the node's exit status
#   cluster_kill9_node I      SIGKILL; returns 0 only if the running node died of it
#   cluster_stop_all          stops nodes then nats (for traps)
#   cluster_tails             prints the tails of every log (on failure)
#   cli ARGS...               runs mpc-cli as the client user of the cluster
#   node_metric I SERIES      value of node-I's /metrics sample "SERIES value" (0 if absent)
# Node I: config $CL_DIR/node-I.yaml, log $CL_DIR/node-I.log, HTTP port HTTP_PORT[I].

CL_DIR=
CL_N=3
NATS_PORT=
NATS_PID=
declare -a NODE_PID HTTP_PORT
MPC_CLI=${MPC_BIN:-$ROOT/build/release/bin}/mpc-cli
MPC_NODE=${MPC_BIN:-$ROOT/build/release/bin}/mpc-node
# CL_ACK_WAIT_MS / CL_BARRIER_MS / CL_IDLE_MS / CL_SIGN_MS override timeouts_ms.ack_wait /
# barrier / idle / sign; CL_MAX_SESSIONS limits.max_sessions (tests/bench/live_sessions.sh)
# (crash flows shorten redelivery). Argon2id cost of the key files made here: interactive (64 MiB) keeps three
# nodes starting at once cheap on a small machine; production uses moderate.
CL_KDF=${CL_KDF:-interactive}
# The key store each node creates is sealed under Argon2id "moderate" (256 MiB,
# 3 passes), derived again at every start: with three nodes starting at once on
# a loaded 2-core machine that took 8-16 s of each cluster start and of each
# restart. Test builds (MPC_FAULT_INJECTION) honour MPC_NODE_TEST_WEAK_KDF and
# create the store with the minimum cost instead, as tests/support/daemon_cluster.c
# does; release binaries ignore it (tests/release keep the production cost).
# CL_STORE_KDF=moderate keeps the production cost for a suite that needs it.
[ "${CL_STORE_KDF:-min}" = moderate ] || export MPC_NODE_TEST_WEAK_KDF=1

cli() {
    MPC_NATS_URL="nats://127.0.0.1:$NATS_PORT" MPC_NATS_USER=client \
    MPC_NATS_PASSWORD="$MPC_NATS_PASS_CLIENT" MPC_INITIATOR_KEY="$CL_DIR/keys/client.key" \
    MPC_PEERS="$CL_DIR/peers.yaml" \
        "$MPC_CLI" "$@"
}

# cluster_write_config I CLI SRC [SED-ARGS...] — writes $CL_DIR/node-I.yaml
# from the example config SRC: node-I's NATS password, the client's initiator
# key (read with CLI), the test timeouts (CL_ACK_WAIT_MS, CL_BARRIER_MS,
# CL_IDLE_MS), then the caller's SED-ARGS (addresses, paths). Mode 0600: it
# holds the NATS password. Shared with tests/ha/lib/ha_cluster.sh.
cluster_write_config() {
    local i=$1 cli=$2 src=$3 pass_var="MPC_NATS_PASS_NODE$1" init_pk
    shift 3
    init_pk=$("$cli" initiator show --json "$CL_DIR/keys/client.key" |
              python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])') || return 1
    sed -e "s#CHANGE-ME-node-$i#${!pass_var}#" \
        -e "s#03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8#$init_pk#" \
        -e "s#^  ack_wait: [0-9]*#  ack_wait: ${CL_ACK_WAIT_MS:-30000}#" \
        -e "s#^  barrier: [0-9]*#  barrier: ${CL_BARRIER_MS:-10000}#" \
        -e "s#^  idle: [0-9]*#  idle: ${CL_IDLE_MS:-30000}#" \
        -e "s#^  sign: [0-9]*#  sign: ${CL_SIGN_MS:-20000}#" \
        -e "s#^  max_sessions: [0-9]*#  max_sessions: ${CL_MAX_SESSIONS:-256}#" \
        "$@" "$src" >"$CL_DIR/node-$i.yaml" || return 1
    chmod 600 "$CL_DIR/node-$i.yaml"
}

# cluster_config I — writes $CL_DIR/node-I.yaml from configs/cluster/node-I.yaml.
cluster_config() {
    cluster_write_config "$1" "$MPC_CLI" "$ROOT/configs/cluster/node-$1.yaml" \
        -e "s#nats://127.0.0.1:4222#nats://127.0.0.1:$NATS_PORT#" \
        -e "s#127.0.0.1:910$1#127.0.0.1:${HTTP_PORT[$1]}#"
}

# cluster_dirs DIR N — CL_DIR=DIR, CL_N=N, and its keys/, data/, secrets/ (0700).
cluster_dirs() {
    CL_DIR=$1; CL_N=$2
    mkdir -p "$CL_DIR/keys" "$CL_DIR/data" "$CL_DIR/secrets"
    chmod 700 "$CL_DIR/keys" "$CL_DIR/secrets"
}

# cluster_keys CLI CONFIG_FN — for each node I a random passphrase file and an
# identity sealed with it; the peers file; the client's plain initiator key;
# then CONFIG_FN I writes DIR/node-I.yaml, which CLI config-check must accept.
# The loopback cluster and the HA one (tests/ha/lib/ha_cluster.sh) share it.
cluster_keys() {
    local cli=$1 config_fn=$2 i peers=()
    for ((i = 1; i <= CL_N; i++)); do
        (umask 077; rand_hex 24 >"$CL_DIR/secrets/node-$i.pass")
        "$cli" identity new --out "$CL_DIR/keys/node-$i.key" --kdf "$CL_KDF" \
            --passphrase-file "$CL_DIR/secrets/node-$i.pass" >/dev/null || return 1
        peers+=("node-$i=$CL_DIR/keys/node-$i.key")
    done
    "$cli" peers --out "$CL_DIR/peers.yaml" "${peers[@]}" >/dev/null || return 1
    "$cli" initiator new --plain --out "$CL_DIR/keys/client.key" >/dev/null || return 1
    for ((i = 1; i <= CL_N; i++)); do
        "$config_fn" "$i" || return 1
        "$cli" config-check "$CL_DIR/node-$i.yaml" >/dev/null || return 1
    done
}

cluster_init() {
    cluster_dirs "$1" "${2:-3}"
    nats_env
    NATS_PORT=$(free_port)
    nats_start "$CL_DIR" "$NATS_PORT" || return 1
    local i
    for ((i = 1; i <= CL_N; i++)); do HTTP_PORT[$i]=$(free_port); done
    cluster_keys "$MPC_CLI" cluster_config
}

cluster_start_node() {
    local i=$1
    "$MPC_NODE" -c "$CL_DIR/node-$i.yaml" >>"$CL_DIR/node-$i.log" 2>&1 &
    NODE_PID[$i]=$!
    pid_remember "${NODE_PID[$i]}"
}

# port_owned_by PORT PID — true if PID listens on 127.0.0.1:PORT (or ss is missing).
# Other suites on a shared machine pick ports from the same range: a node that
# could not bind its HTTP port (and exits) must not be taken as ready because
# another suite's node answers there.
port_owned_by() {
    command -v ss >/dev/null 2>&1 || return 0
    ss -Hltnp 2>/dev/null | awk -v a="127.0.0.1:$1" -v p="pid=$2," \
        '$4 == a && index($0, p) { f = 1 } END { exit !f }'
}

# readyz I — exit 0 when node-I itself answers 200 on /readyz.
readyz() {
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:${HTTP_PORT[$1]}/readyz" 2>/dev/null &&
        port_owned_by "${HTTP_PORT[$1]}" "${NODE_PID[$1]}"
}

cluster_wait_ready() {
    local i=$1 limit=${2:-30} deadline rebinds=0
    deadline=$(( $(date +%s) + limit ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        readyz "$i" && return 0
        if ! pid_alive "${NODE_PID[$i]}" && [ "${rebinds:-0}" -lt 3 ] &&
            tail -n 3 "$CL_DIR/node-$i.log" | grep -q "event=http_start_failed"; then
            # Another suite took the HTTP port between free_port and the bind:
            # a new port, the same config otherwise, the node started again (at most 3 times).
            local old=${HTTP_PORT[$i]}
            HTTP_PORT[$i]=$(free_port)
            sed -i "s#127.0.0.1:$old\b#127.0.0.1:${HTTP_PORT[$i]}#" "$CL_DIR/node-$i.yaml"
            echo "node-$i: HTTP port $old taken by another process, restarting on ${HTTP_PORT[$i]}" >&2
            rebinds=$(( ${rebinds:-0} + 1 ))
            cluster_start_node "$i"
            continue
        fi
        if ! pid_alive "${NODE_PID[$i]}"; then
            echo "node-$i exited during startup" >&2
            log_tail "$CL_DIR/node-$i.log"
            return 1
        fi
        sleep 0.1
    done
    echo "node-$i not ready after ${limit}s" >&2
    log_tail "$CL_DIR/node-$i.log"
    return 1
}

cluster_stop_node() {
    local i=$1 rc
    stop_pid "${NODE_PID[$i]}" 20; rc=$?
    NODE_PID[$i]=
    return $rc
}

cluster_kill9_node() {
    local rc
    kill9_pid "${NODE_PID[$1]}"; rc=$?
    NODE_PID[$1]=
    return $rc
}

cluster_stop_all() {
    local i
    for ((i = 1; i <= CL_N; i++)); do
        [ -n "${NODE_PID[$i]:-}" ] && stop_pid "${NODE_PID[$i]}" 15
        NODE_PID[$i]=
    done
    stop_pid "$NATS_PID" 5
    NATS_PID=
}

# cluster_finish — SIGTERM every running node (each must exit 0: a clean
# drain), then checks that no node log holds a sanitizer report (ASan, UBSan,
# LSan: the nodes run as ASan builds under make test). Records checks.
cluster_finish() {
    local i rc
    for ((i = 1; i <= CL_N; i++)); do
        [ -n "${NODE_PID[$i]:-}" ] || continue
        cluster_stop_node "$i"; rc=$?
        check "node-$i exits 0 after SIGTERM (clean drain)" $rc
    done
    ! grep -lE "ERROR: (Address|Leak|Thread)Sanitizer|runtime error:" "$CL_DIR"/node-*.log
    check "no sanitizer report in any node log" $?
}

node_metric() {
    curl -fsS --max-time 5 "http://127.0.0.1:${HTTP_PORT[$1]}/metrics" |
        awk -v p="$2 " 'index($0, p) == 1 {v = $NF} END {print v + 0}'
}

cluster_tails() {
    local i
    for ((i = 1; i <= CL_N; i++)); do log_tail "$CL_DIR/node-$i.log" 30; done
    log_tail "$CL_DIR/nats.log" 15
}

# ed25519_pem HEXKEY OUT — SubjectPublicKeyInfo PEM (RFC 8410 fixed DER prefix || key).
ed25519_pem() {
    { echo "-----BEGIN PUBLIC KEY-----"
      python3 -c 'import sys,base64; print(base64.b64encode(bytes.fromhex("302a300506032b6570032100"+sys.argv[1])).decode())' "$1"
      echo "-----END PUBLIC KEY-----"; } >"$2"
}

# openssl_verify HEXKEY MSGFILE HEXSIG — exit 0 iff openssl accepts the signature.
openssl_verify() {
    local pem sig
    pem=$(mktemp) sig=$(mktemp)
    ed25519_pem "$1" "$pem"
    python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$3" >"$sig"
    openssl pkeyutl -verify -pubin -inkey "$pem" -rawin -in "$2" -sigfile "$sig" >/dev/null 2>&1
    local rc=$?
    rm -f "$pem" "$sig"
    return $rc
}

# jget JSONFILE KEY — prints a top-level key of a JSON document ("" if absent).
jget() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); v=d.get(sys.argv[2], "")
print("" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}

# secp256k1_pem HEXKEY OUT — SubjectPublicKeyInfo PEM of a 33-byte compressed
# secp256k1 key (RFC 5480: id-ecPublicKey, secp256k1 OID, fixed DER prefix).
secp256k1_pem() {
    { echo "-----BEGIN PUBLIC KEY-----"
      python3 -c 'import sys,base64; print(base64.b64encode(bytes.fromhex("3036301006072a8648ce3d020106052b8104000a032200"+sys.argv[1])).decode())' "$1"
      echo "-----END PUBLIC KEY-----"; } >"$2"
}

# ecdsa_der RHEX SHEX OUT — DER ECDSA-Sig-Value SEQUENCE { INTEGER r, INTEGER s }.
ecdsa_der() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys
def integer(h):
    b = bytes.fromhex(h).lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
body = integer(sys.argv[1]) + integer(sys.argv[2])
open(sys.argv[3], "wb").write(b"\x30" + bytes([len(body)]) + body)
PY
}

# openssl_verify_ecdsa HEXKEY33 MSGFILE RHEX SHEX — exit 0 iff openssl accepts
# the DER signature (r, s) over SHA-256(MSGFILE) under the compressed key.
openssl_verify_ecdsa() {
    local pem der
    pem=$(mktemp) der=$(mktemp)
    secp256k1_pem "$1" "$pem"
    ecdsa_der "$3" "$4" "$der"
    openssl dgst -sha256 -verify "$pem" -signature "$der" "$2" >/dev/null 2>&1
    local rc=$?
    rm -f "$pem" "$der"
    return $rc
}

# sha256_hex FILE — prints the SHA-256 of FILE in hex (openssl).
sha256_hex() {
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
}
