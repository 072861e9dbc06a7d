# tests/integration/lib/common.sh — shell helpers shared by the integration
# flows (tests/integration/test_*.sh) and the demo (tests/demo/demo.sh).
# Source it; it defines functions only (plus ROOT, the repository root).
#
# Conventions: every process is started in the background with its pid saved
# and stopped by that pid (never by name); every wait is bounded; on failure a
# flow prints the tail of the relevant logs.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
PROBE="$ROOT/tests/integration/lib/natsprobe.py"

passed=0
failed=0

# check NAME STATUS — records a test assertion (STATUS 0 = pass).
check() {
    if [ "$2" -eq 0 ]; then
        echo "ok   $1"; passed=$((passed + 1))
    else
        echo "FAIL $1"; failed=$((failed + 1))
    fi
}

# expect_checks N — the number of checks the script records when it runs to
# the end; summary() counts a failure if it recorded another number (a check
# skipped by a branch or an early exit must not go unnoticed).
EXPECTED_CHECKS=
expect_checks() { EXPECTED_CHECKS=$1; }

# summary — prints the closing line and returns non-zero on any failure.
summary() {
    local ran=$((passed + failed))
    if [ -n "$EXPECTED_CHECKS" ] && [ "$ran" -ne "$EXPECTED_CHECKS" ]; then
        echo "FAIL the script recorded $ran checks, $EXPECTED_CHECKS expected"
        failed=$((failed + 1))
    fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

# now_ms — wall clock in milliseconds.
now_ms() { date +%s%3N; }

# cpu_scale MAX — the machine's slowdown right now, measured: how many times
# its CPU time a CPU-bound loop of 0.2 s CPU takes in wall time (1 on an idle
# core; two busy loops and a load of 30 on 2 cores: about 10), rounded up,
# between 1 and MAX. For time limits that must hold on a loaded machine.
cpu_scale() {
    python3 - "$1" <<'PY'
import math, sys, time
w0, c0 = time.perf_counter(), time.process_time()
n = 0
while time.process_time() - c0 < 0.2 and time.perf_counter() - w0 < 10:
    n += 1
r = (time.perf_counter() - w0) / max(time.process_time() - c0, 1e-6)
print(max(1, min(int(sys.argv[1]), math.ceil(r - 0.1))))
PY
}

# free_port — prints a TCP port that was free on 127.0.0.1 a moment ago. It is
# drawn below the kernel's ephemeral range (net.ipv4.ip_local_port_range), so
# an outgoing connection cannot take it before the server binds it.
free_port() {
    python3 - <<'PY'
import random, socket
lo = 32768
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    pass
for _ in range(200):
    port = random.randint(20000, max(20001, min(lo, 65536) - 1))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
PY
}

# Start times (clock ticks since boot, /proc/PID/stat field 22) of the
# processes this script started, by PID. bash reaps a background child as
# soon as it exits, so its number is free at once; on a busy machine another
# suite's process can get it, and a later kill aimed at the dead child would
# hit that process (a stray SIGTERM/SIGKILL seen in parallel runs of the crash
# flows). pid_alive therefore treats a PID whose start time changed as dead.
declare -gA PID_START=()

# pid_start_time PID — prints field 22 of /proc/PID/stat (empty if gone).
pid_start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    set -- $stat # field 3 (state) is $1, so field 22 is $20
    echo "${20}"
}

# pid_remember PID — records PID's start time (call right after starting it).
pid_remember() {
    local t
    t=$(pid_start_time "$1") && PID_START[$1]=$t
}

# pid_alive PID — true while PID runs (a zombie, exited but not yet reaped, is
# dead; so is a remembered PID now used by another process).
pid_alive() {
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ] || return 1
    local known=${PID_START[$1]:-}
    [ -z "$known" ] || [ "$(pid_start_time "$1")" = "$known" ]
}

# wait_port PORT TIMEOUT_S — waits until 127.0.0.1:PORT accepts connections.
wait_port() {
    local port=$1 deadline=$(( $(date +%s) + $2 ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# wait_until TIMEOUT_S CMD... — polls CMD every 0.1 s until it succeeds.
wait_until() {
    local deadline=$(( $(date +%s) + $1 )); shift
    while [ "$(date +%s)" -le "$deadline" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# stop_pid PID [GRACE_S] — SIGTERM, then SIGKILL after GRACE_S (default 10); reaps.
# Returns the process's exit status when it was our child (else 0).
stop_pid() {
    local pid=$1 grace=${2:-10} i
    [ -n "$pid" ] || return 0
    pid_alive "$pid" || { wait "$pid" 2>/dev/null; return $?; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < grace * 20; i++)); do
        pid_alive "$pid" || break
        sleep 0.05
    done
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# kill9_pid PID — a crash: SIGKILL at once, reaped. Returns 0 only if PID was
# running (our child) and died of that SIGKILL (wait status 128+9).
kill9_pid() {
    [ -n "$1" ] || return 1
    pid_alive "$1" || { wait "$1" 2>/dev/null; return 1; }
    kill -KILL "$1" 2>/dev/null || return 1
    wait "$1" 2>/dev/null
    [ $? -eq 137 ] && ! pid_alive "$1"
}

# log_tail FILE [LINES] — prints the last lines of a log, framed.
log_tail() {
    [ -f "$1" ] || return 0
    echo "----- tail of $1 -----" >&2
    tail -n "${2:-25}" "$1" >&2
    echo "----- end of $1 -----" >&2
}

# rand_hex N — N random bytes as hex (passwords, message ids).
rand_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# nats_env — exports fresh random NATS passwords for configs/cluster/nats-server.conf.
# nats-server parses a variable's value like config text: a leading letter
# keeps it a string (a leading digit would make "9e3..." a number).
nats_env() {
    export MPC_NATS_PASS_NODE1=pw$(rand_hex 16) MPC_NATS_PASS_NODE2=pw$(rand_hex 16) \
           MPC_NATS_PASS_NODE3=pw$(rand_hex 16) MPC_NATS_PASS_CLIENT=pw$(rand_hex 16)
}

# nats_start DIR PORT — starts nats-server with the cluster config ($NATS_CONF
# if set) on PORT, JetStream store DIR/nats, log DIR/nats.log; sets NATS_PID.
# Needs nats_env.
nats_start() {
    local dir=$1 port=$2
    mkdir -p "$dir/nats"
    nats-server -c "${NATS_CONF:-$ROOT/configs/cluster/nats-server.conf}" -a 127.0.0.1 -p "$port" \
        -m 0 -sd "$dir/nats" >>"$dir/nats.log" 2>&1 &
    NATS_PID=$!
    pid_remember "$NATS_PID"
    local i
    for ((i = 0; i < 200; i++)); do   # 10 s, but stop early if it exited
        (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
        pid_alive "$NATS_PID" || break
        sleep 0.05
    done
    echo "nats-server did not start on 127.0.0.1:$port" >&2
    log_tail "$dir/nats.log"
    return 1
}
