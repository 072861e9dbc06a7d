#!/usr/bin/env bash
# tests/integration/test_docs_reference.sh — the operator's reference stays
# complete: every metric family the node renders on /metrics
# (node/metrics.c's string literals) has a row in docs/OPERATIONS.md §3, and
# the check itself finds a metric that has none (a name made up here).
# Prints "N passed, M failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/integration/lib/common.sh"
expect_checks 3

# undocumented METRICS_SRC DOC — prints each metric family of METRICS_SRC's
# string literals (histogram series folded into their family) missing in DOC.
undocumented() {
    python3 - "$1" "$2" <<'PY'
import re, sys
src, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sect = doc.split("## 3. Metrics", 1)[-1].split("\n## ", 1)[0]
names = set()
for lit in re.findall(r'"((?:[^"\\]|\\.)*)"', src):
    for n in re.findall(r'\bmpc_[a-z0-9_]+', lit):
        names.add(re.sub(r'_(bucket|sum|count)$', '', n) if "_seconds_" in n else n)
documented = set(re.findall(r'mpc_[a-z0-9_]+', sect))
missing = sorted(names - documented)
print("\n".join(missing))
print("families=%d" % len(names), file=sys.stderr)
PY
}

out=$(undocumented "$ROOT/node/metrics.c" "$ROOT/docs/OPERATIONS.md" 2>"${TMPDIR:-/tmp}/docs-ref.$$")
fam=$(cat "${TMPDIR:-/tmp}/docs-ref.$$"); rm -f "${TMPDIR:-/tmp}/docs-ref.$$"
check "node/metrics.c renders metric families ($fam)" $([ "${fam#families=}" -ge 40 ]; echo $?)
check "every metric family has a row in docs/OPERATIONS.md §3${out:+ (missing: $(echo $out))}" \
    $([ -z "$out" ]; echo $?)
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
{ cat "$ROOT/node/metrics.c"; echo 'static const char *x = "mpc_made_up_for_the_test_total";'; } >"$tmp"
out=$(undocumented "$tmp" "$ROOT/docs/OPERATIONS.md" 2>/dev/null)
check "a metric without a row is found (the check can fail)" \
    $([ "$out" = "mpc_made_up_for_the_test_total" ]; echo $?)
summary
