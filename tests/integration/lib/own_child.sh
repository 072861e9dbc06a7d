# tests/integration/lib/own_child.sh — kill_own_child PID [SIG]: sends SIG
# (TERM) to PID only while it is a child of this shell (its parent pid is
# $BASHPID and it is not a zombie). A child already reaped has given its pid
# back: on this machine (pid_max 32768, several test runs side by side) the
# number soon names another run's process — a node or a nats-server of its
# test cluster — and a plain `kill` of a remembered pid stopped those (issue
# 16: tests/run.sh's cleanup SIGTERMed every suite runner it had ever started;
# DESIGN §10). Returns 0 if the signal was sent.
kill_own_child() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # fields after the command name: state ppid ...
    set -- "$1" "${2:-TERM}" ${stat}
    [ "$3" != Z ] && [ "$4" = "$BASHPID" ] || return 1
    kill -"$2" "$1" 2>/dev/null
}
