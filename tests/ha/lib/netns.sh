# tests/ha/lib/netns.sh — a private network for the HA tests: each member
# (a nats-server, an mpc-node, the client) in its own network namespace,
# joined by veth pairs to a bridge that lives in a namespace of its own, so
# nothing is added to the host's network: the range HA_NET.0/24 (10.77.0.0/24)
# exists only inside this run's namespaces, and two runs side by side each
# have their own (namespace names carry the shell's pid). A member's link
# can be cut and healed (a partition) from the switch side.
#
# Where namespaces are unavailable (not root, no `ip netns`), the fallback is
# loopback: members share the host's loopback and get addresses
# 127.A.B.x (random A.B per run), and partitions are impossible (ha_net_cut
# fails); HA_NET_MODE says which ("netns" or "loopback") and ha_net_init
# prints it.
#
#   ha_net_init                 picks the mode, creates the switch (netns)
#   ha_net_member NAME SUFFIX   member NAME with address HA_NET.SUFFIX/24
#   ha_net_exec NAME CMD...     runs CMD in NAME's namespace (foreground)
#   ha_net_pfx NAME             HA_PFX=(prefix) for background starts
#   ha_net_cut NAME / ha_net_heal NAME   link of NAME down / up
#   ha_net_teardown             deletes every namespace of this run (idempotent)
# Requires lib/common.sh (pid_alive). Every command is bounded (timeout).

HA_NET_MODE=
HA_NET=10.77.0
HA_NS_PREFIX="mpcha$$"
HA_NS_SW="$HA_NS_PREFIX-sw"
declare -a HA_NS_LIST=()

# ha_net_sweep — deletes namespaces left by HA runs whose shell is gone and
# which hold no process (a run killed before its trap ran).
ha_net_sweep() {
    local ns pid
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^mpcha[0-9]+-'); do
        pid=${ns#mpcha}; pid=${pid%%-*}
        pid_alive "$pid" && continue
        [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && ip netns del "$ns" 2>/dev/null
    done
}

ha_net_init() {
    if [ "${HA_FORCE_LOOPBACK:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
        timeout 10 ip netns add "$HA_NS_SW" 2>/dev/null; then
        HA_NET_MODE=netns
        HA_NS_LIST+=("$HA_NS_SW")
        ha_net_sweep
        timeout 10 ip -n "$HA_NS_SW" link add br0 type bridge &&
            timeout 10 ip -n "$HA_NS_SW" link set br0 up &&
            timeout 10 ip -n "$HA_NS_SW" link set lo up || return 1
        echo "ha: network namespaces $HA_NS_PREFIX-* (private range $HA_NET.0/24, bridge in $HA_NS_SW)"
    else
        HA_NET_MODE=loopback
        HA_NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
        echo "ha: network namespaces unavailable (needs root and ip netns): loopback fallback" \
             "on $HA_NET.0/24, partitions cannot be tested"
    fi
}

ha_net_member() {
    local name=$1 suffix=$2 ns="$HA_NS_PREFIX-$1"
    [ "$HA_NET_MODE" = netns ] || return 0
    timeout 10 ip netns add "$ns" || return 1
    HA_NS_LIST+=("$ns")
    # Both ends are created inside namespaces: the host never sees them.
    timeout 10 ip link add "p-$name" netns "$HA_NS_SW" type veth peer name eth0 netns "$ns" &&
        timeout 10 ip -n "$HA_NS_SW" link set "p-$name" master br0 &&
        timeout 10 ip -n "$HA_NS_SW" link set "p-$name" up &&
        timeout 10 ip -n "$ns" addr add "$HA_NET.$suffix/24" dev eth0 &&
        timeout 10 ip -n "$ns" link set eth0 up &&
        timeout 10 ip -n "$ns" link set lo up
}

# ha_net_pfx NAME — sets HA_PFX to the command prefix that runs in NAME's
# namespace; `"${HA_PFX[@]}" prog ... &` keeps $! the pid of prog (ip netns
# exec execs it), so the process is stopped by that pid.
ha_net_pfx() {
    HA_PFX=()
    [ "$HA_NET_MODE" = netns ] && HA_PFX=(ip netns exec "$HA_NS_PREFIX-$1")
    return 0
}

ha_net_exec() {
    local name=$1; shift
    ha_net_pfx "$name"
    "${HA_PFX[@]}" "$@"
}

ha_net_cut() {
    [ "$HA_NET_MODE" = netns ] || { echo "ha: no partition in loopback mode" >&2; return 1; }
    timeout 10 ip -n "$HA_NS_SW" link set "p-$1" down
}

ha_net_heal() {
    [ "$HA_NET_MODE" = netns ] || return 1
    timeout 10 ip -n "$HA_NS_SW" link set "p-$1" up
}

ha_net_teardown() {
    local ns
    for ns in "${HA_NS_LIST[@]+"${HA_NS_LIST[@]}"}"; do
        timeout 10 ip netns del "$ns" 2>/dev/null
    done
    HA_NS_LIST=()
}
