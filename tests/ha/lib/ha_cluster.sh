# tests/ha/lib/ha_cluster.sh — the HA cluster of configs/cluster-ha in this
# run's network namespaces (tests/ha/lib/netns.sh): three clustered
# nats-servers (routes, JetStream R3, TLS for clients and routes with
# certificates from configs/cluster-ha/gen-certs.sh, the least-privilege
# users) and three mpc-node processes listing all three servers, each process
# in its own namespace, plus a client namespace where mpc-cli runs.
#
# Source lib/common.sh and lib/cluster.sh first: this file replaces their
# cluster functions with the same names and meanings, so a script written for
# the loopback cluster (demo, stress) runs here unchanged:
#   cluster_init DIR [3]   certs, nats configs, identities, node configs; starts
#                          the three servers and waits for a JetStream meta leader
#   cluster_start_node I / cluster_wait_ready I / cluster_stop_node I /
#   cluster_kill9_node I / cluster_finish / node_metric I SERIES / cli ARGS...
#   cluster_stop_all       stops nodes, servers, deletes the namespaces
#   cluster_tails          tails of every node and server log
# and adds:
#   ha_nats_start N / ha_nats_kill N / ha_nats_stop N   one server (pid HA_NATS_PID[N])
#   ha_nats_ready N        its /healthz answers 200 (JetStream current)
#   ha_nats_routes N       prints its number of routes (/routez)
#   ha_meta_leader         prints the JetStream meta leader seen by a live server
#   ha_stream_leaders N    prints the leaders of MPC_REQ and MPC_RES seen by server N
# MPC_CLI is a wrapper that runs mpc-cli in the client namespace with
# MPC_NATS_URL (the three tls:// URLs) and MPC_NATS_CA set: scripts that call
# "$MPC_CLI" directly reach the cluster. Addresses: nats-N HA_NET.1N, node-N
# HA_NET.2N, client HA_NET.30. Files: DIR/nats-N/ (config, certs, store),
# DIR/nats-N.log, DIR/node-I.yaml, DIR/node-I.log, DIR/certs/ca.pem.

source "$ROOT/tests/ha/lib/netns.sh"
HA_CONF=$ROOT/configs/cluster-ha
HA_CLI_REAL=$MPC_CLI
declare -a HA_NATS_PID=()
CL_NATS_URL=

cli() {
    MPC_NATS_USER=client MPC_NATS_PASSWORD="$MPC_NATS_PASS_CLIENT" \
    MPC_INITIATOR_KEY="$CL_DIR/keys/client.key" MPC_PEERS="$CL_DIR/peers.yaml" \
        "$MPC_CLI" "$@"
}

# ha_http I — the node's HTTP address inside its namespace (loopback mode: its own address).
ha_http() {
    if [ "$HA_NET_MODE" = netns ]; then echo "127.0.0.1:9101"; else echo "$HA_NET.2$1:9101"; fi
}
ha_mon() {
    if [ "$HA_NET_MODE" = netns ]; then echo "127.0.0.1:8222"; else echo "$HA_NET.1$1:8222"; fi
}

readyz() {
    ha_net_exec "node-$1" curl -fsS -o /dev/null --max-time 1 "http://$(ha_http "$1")/readyz" 2>/dev/null
}

node_metric() {
    ha_net_exec "node-$1" curl -fsS --max-time 5 "http://$(ha_http "$1")/metrics" |
        awk -v p="$2 " 'index($0, p) == 1 {v = $NF} END {print v + 0}'
}

ha_nats_ready() {
    ha_net_exec "nats-$1" curl -fsS -o /dev/null --max-time 2 "http://$(ha_mon "$1")/healthz" 2>/dev/null
}

ha_nats_routes() {
    ha_net_exec "nats-$1" curl -fsS --max-time 2 "http://$(ha_mon "$1")/routez" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get("num_routes", 0))' 2>/dev/null ||
        echo 0
}

ha_meta_leader() {
    local n
    for n in 1 2 3; do
        pid_alive "${HA_NATS_PID[$n]:-}" || continue
        ha_net_exec "nats-$n" curl -fsS --max-time 2 "http://$(ha_mon "$n")/jsz" 2>/dev/null |
            python3 -c 'import json,sys; print((json.load(sys.stdin).get("meta_cluster") or {}).get("leader") or "")' \
            2>/dev/null && return 0
    done
    return 1
}
ha_has_leader() { [ -n "$(ha_meta_leader)" ]; }

# ha_stream_leaders N — prints "MPC_REQ=<leader> MPC_RES=<leader>" as server N
# sees them (/jsz; "-" while a stream has no leader); fails if N does not answer.
ha_stream_leaders() {
    ha_net_exec "nats-$1" curl -fsS --max-time 2 "http://$(ha_mon "$1")/jsz?streams=true" \
        2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
st = {s["name"]: (s.get("cluster") or {}).get("leader") or "-"
      for a in d.get("account_details", []) for s in a.get("stream_detail", [])}
print(" ".join("%s=%s" % (n, st.get(n, "-")) for n in ("MPC_REQ", "MPC_RES")))' 2>/dev/null
}

# ha_nats_config N — DIR/nats-N/: the config files with this run's addresses and paths.
ha_nats_config() {
    local n=$1 d="$CL_DIR/nats-$1"
    mkdir -p "$d/certs" "$d/store"
    cp "$CL_DIR/certs/ca.pem" "$d/certs/ca.pem"
    cp "$CL_DIR/certs/nats-$n.pem" "$d/certs/nats.pem"
    (umask 077; cp "$CL_DIR/certs/nats-$n.key" "$d/certs/nats.key")
    cp "$HA_CONF/nats-users.conf" "$d/"
    local f
    for f in "nats-$n.conf" nats-common.conf; do
        sed -e "s#10\.77\.0\.#$HA_NET.#g" -e "s#/etc/nats/#$d/#g" -e "s#/var/lib/nats#$d/store#" \
            -e "s#^http: 127.0.0.1:8222#http: $(ha_mon "$n")#" "$HA_CONF/$f" >"$d/$f"
    done
}

ha_nats_start() {
    local n=$1
    ha_net_pfx "nats-$n"
    "${HA_PFX[@]}" nats-server -c "$CL_DIR/nats-$n/nats-$n.conf" >>"$CL_DIR/nats-$n.log" 2>&1 &
    HA_NATS_PID[$n]=$!
    pid_remember "${HA_NATS_PID[$n]}" # a reused pid is not ours (lib/common.sh)
}
ha_nats_stop() { stop_pid "${HA_NATS_PID[$1]:-}" 10; HA_NATS_PID[$1]=; }
ha_nats_kill() { kill9_pid "${HA_NATS_PID[$1]:-}"; local rc=$?; HA_NATS_PID[$1]=; return $rc; }

# ha_node_config I — DIR/node-I.yaml from configs/cluster-ha/node-I.yaml.
ha_node_config() {
    local i=$1
    cluster_write_config "$i" "$HA_CLI_REAL" "$HA_CONF/node-$i.yaml" \
        -e "s#10\.77\.0\.#$HA_NET.#g" \
        -e "s#/etc/mpc-node/ca.pem#$CL_DIR/certs/ca.pem#" \
        -e "s#/etc/mpc-node/keys/#$CL_DIR/keys/#" \
        -e "s#/etc/mpc-node/peers.yaml#$CL_DIR/peers.yaml#" \
        -e "s#/var/lib/mpc-node/#$CL_DIR/data/#" \
        -e "s#passphrase_source: credential.*#passphrase_source: file\n  passphrase_file: $CL_DIR/secrets/node-$i.pass#" \
        -e "s#listen: 127.0.0.1:9101.*#listen: $(ha_http "$i")#" \
        -e "s#^  replicas: 3#  replicas: ${HA_REPLICAS:-3}#"
}

# ha_cli_wrapper — DIR/bin/mpc-cli: mpc-cli in the client namespace, cluster URLs and CA set.
ha_cli_wrapper() {
    mkdir -p "$CL_DIR/bin"
    ha_net_pfx client
    {
        echo '#!/usr/bin/env bash'
        echo "export MPC_NATS_URL=\${MPC_NATS_URL_HA:-$CL_NATS_URL} MPC_NATS_CA=$CL_DIR/certs/ca.pem"
        printf 'exec'; printf ' %q' "${HA_PFX[@]}" "$HA_CLI_REAL"; echo ' "$@"'
    } >"$CL_DIR/bin/mpc-cli"
    chmod 755 "$CL_DIR/bin/mpc-cli"
    MPC_CLI=$CL_DIR/bin/mpc-cli
}

cluster_init() {
    cluster_dirs "$1" 3
    ha_net_init || return 1
    local n i
    for n in 1 2 3; do ha_net_member "nats-$n" "1$n" || return 1; done
    for i in 1 2 3; do ha_net_member "node-$i" "2$i" || return 1; done
    ha_net_member client 30 || return 1
    CL_NATS_URL="tls://$HA_NET.11:4222,tls://$HA_NET.12:4222,tls://$HA_NET.13:4222"
    NATS_PORT=4222
    "$HA_CONF/gen-certs.sh" "$CL_DIR/certs" "$HA_NET.11" "$HA_NET.12" "$HA_NET.13" >/dev/null ||
        return 1
    nats_env
    for n in 1 2 3; do ha_nats_config "$n"; ha_nats_start "$n"; done
    local ok=0
    for n in 1 2 3; do wait_until 60 ha_nats_ready "$n" || ok=1; done
    wait_until 60 ha_has_leader || ok=1
    if [ $ok -ne 0 ]; then
        echo "ha: the nats cluster did not form" >&2
        for n in 1 2 3; do log_tail "$CL_DIR/nats-$n.log" 20; done
        return 1
    fi
    ha_cli_wrapper
    # HTTP inside node-i's namespace (loopback mode: on its own address).
    for ((i = 1; i <= CL_N; i++)); do HTTP_PORT[$i]=9101; done
    cluster_keys "$HA_CLI_REAL" ha_node_config
}

cluster_start_node() {
    local i=$1
    ha_net_pfx "node-$i"
    "${HA_PFX[@]}" "$MPC_NODE" -c "$CL_DIR/node-$i.yaml" >>"$CL_DIR/node-$i.log" 2>&1 &
    NODE_PID[$i]=$!
    pid_remember "${NODE_PID[$i]}"
}

cluster_stop_all() {
    local i
    for ((i = 1; i <= CL_N; i++)); do
        [ -n "${NODE_PID[$i]:-}" ] && stop_pid "${NODE_PID[$i]}" 15
        NODE_PID[$i]=
    done
    for i in 1 2 3; do ha_nats_stop "$i"; done
    ha_net_teardown
}

cluster_tails() {
    local i
    for ((i = 1; i <= CL_N; i++)); do log_tail "$CL_DIR/node-$i.log" 30; done
    for i in 1 2 3; do log_tail "$CL_DIR/nats-$i.log" 15; done
}
