#!/usr/bin/env python3
"""tests/layering.py [ROOT] — checks the whole include graph of the production
code against the arrows of DESIGN §1 (`make layering`, part of `make test`).

  common/      depends on nothing above it
  tss/**       pure: common/ and tss/ only; no I/O, threads, locks, NATS or
               protobuf (tss/ may be split into tss/frost, tss/dkls, ...)
  transport/   common/, proto/; the only code that includes nats.c
  session/     common/, tss/, transport/, proto/ (never node/)
  node/        the daemon: everything below it and node/{store,config,client}
  node/cli/    mpc-cli and the bench: like the daemon, minus session/; the CLI
               and the daemon never include each other
  node/store/, node/config/, node/client/ — shared by daemon and CLI: common/,
               proto/ and each other; never the daemon or the CLI

Both layouts are understood: the flat node/ (cli_*.c, store*.c, config*.c, ...
classified by name) and the split one (node/cli/, node/store/, ...).
Every violating include is printed as FILE:LINE; exit status 1 if any.
Arrows kept on purpose are listed in ALLOW with the reason.
"""
import os
import re
import sys

# component -> components it may include (besides itself)
RULES = {
    "common": set(),
    "tss": {"common"},
    "transport": {"common", "proto"},
    "session": {"common", "tss", "transport", "proto"},
    "node_client": {"common", "proto", "node_config", "node_store"},
    "node_config": {"common", "node_client", "node_store"},
    "node_store": {"common", "node_client", "node_config"},
    "daemon": {"common", "tss", "transport", "session", "proto",
               "node_client", "node_config", "node_store"},
    "cli": {"common", "tss", "transport", "proto", "node_client", "node_config", "node_store"},
}

# (file, included header) arrows outside RULES, kept on purpose. The file is
# matched by base name so that an entry survives the move into a subfolder.
ALLOW = {
    # The session id binds the protocol's op and key type: the one place the
    # request codecs shared with the CLI need a session/ constant.
    ("sid.c", "session/protocol.h"),
    # pthread_once creates the shared secp256k1 context once: it starts no
    # thread and takes no lock a caller could observe.
    ("group_secp256k1.c", "pthread.h"),
}

# System libraries: header pattern -> components allowed to include it.
LIBS = [
    (re.compile(r"^nats(/|\.h)"), {"transport"}, "only transport/ includes nats.c"),
    (re.compile(r"^lmdb\.h$"), {"node_store"}, "only the key store includes LMDB"),
    (re.compile(r"^protobuf-c/"), {"transport", "session", "daemon", "cli", "node_client", "proto"},
     "common/ and tss/ never see protobuf"),
    (re.compile(r"^(yaml\.h|cyaml/)"), {"node_config", "cli"}, "YAML is the config's"),
    (re.compile(r"^microhttpd\.h$"), {"daemon"}, "HTTP health/metrics is the daemon's"),
    (re.compile(r"^(stdio\.h|pthread\.h|fcntl\.h|sys/socket\.h)$"),
     set(RULES) - {"tss"}, "tss/ is pure: no I/O, threads or locks"),
]

# tss/ is pure: calls that mean threads, locks or I/O. (pthread_once for the
# one-time creation of the shared secp256k1 context is allowed: it starts no
# thread and takes no lock a caller could observe.)
TSS_CALLS = re.compile(r"pthread_(create|mutex|cond|rwlock|spin)|[^a-z_](fopen|open|read|write|socket)\(")

FLAT = [  # base name prefix in a flat node/ -> component
    ("cli", "cli"), ("mpc_cli_main", "cli"),
    ("store", "node_store"), ("seal", "node_store"), ("keyinfo", "node_store"),
    ("identity", "node_store"), ("passphrase", "node_store"),
    ("config", "node_config"), ("yamlfile", "node_config"), ("peers", "node_config"),
    ("request", "node_client"), ("results", "node_client"), ("ids", "node_client"),
    ("sid", "node_client"),
]
SUBDIRS = {"cli": "cli", "store": "node_store", "config": "node_config",
           "client": "node_client"}
TOP = {"common", "tss", "transport", "session"}


def component(path):
    """Component of a repo-relative path (a source file or an included header),
    None for a path outside the checked tree, "?" for an unknown node/ folder."""
    parts = path.split("/")
    if parts[0] in TOP and len(parts) > 1:
        return parts[0]
    if parts[0] == "proto" or path.startswith("build/gen/proto/"):
        return "proto"
    if parts[0] == "tests":
        return "tests"
    if parts[0] != "node" or len(parts) < 2:
        return None
    if len(parts) > 2:
        return SUBDIRS.get(parts[1], "?")
    base = parts[1]
    for prefix, comp in FLAT:
        if base == prefix or base.startswith(prefix + "_") or base.startswith(prefix + "."):
            return comp
    return "daemon"


INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def sources(root):
    for top in sorted(TOP | {"node"}):
        for dirpath, dirnames, files in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def check_file(root, rel, out):
    comp = component(rel)
    if comp == "?":
        out.append("%s:1: node/ subfolder without a layering rule (add it to %s)" %
                   (rel, os.path.basename(__file__)))
        return 0
    edges = 0
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
        lines = fh.read().split("\n")
    for no, line in enumerate(lines, 1):
        m = INCLUDE.match(line)
        if m is not None:
            edges += 1
            check_include(rel, no, comp, m.group(1), m.group(2), out)
        if comp == "tss" and rel.endswith(".c"):
            code = line.split("//")[0]
            if TSS_CALLS.search(code) and not code.lstrip().startswith(("*", "/*")):
                out.append("%s:%d: tss/ may not create threads, lock or do I/O: %s" %
                           (rel, no, line.strip()))
    return edges


def check_include(rel, no, comp, kind, target, out):
    if (os.path.basename(rel), target) in ALLOW:
        return
    for pattern, allowed, why in LIBS:
        if pattern.search(target) and comp not in allowed:
            out.append("%s:%d: #include <%s>: %s" % (rel, no, target, why))
            return
    if kind == "<":
        return
    tcomp = component(target)
    if tcomp is None:
        out.append('%s:%d: #include "%s": not a repo-rooted path of a module' % (rel, no, target))
        return
    if tcomp == "?":
        out.append('%s:%d: #include "%s": node/ subfolder without a layering rule' %
                   (rel, no, target))
        return
    if tcomp == comp or tcomp in RULES[comp]:
        return
    what = {"tests": "production code never includes tests/"}.get(tcomp)
    out.append('%s:%d: #include "%s": %s' %
               (rel, no, target, what or "%s may not include %s (DESIGN §1)" % (comp, tcomp)))


def check_tree(root):
    """Returns: (files, includes, violation lines) of the tree at root."""
    out = []
    files = edges = 0
    for rel in sources(root):
        files += 1
        edges += check_file(root, rel, out)
    return files, edges, out


# --self-test: one planted violation per rule (file, text, expected message
# fragment); each must be reported at its file:line, and the clean tree not.
PLANTED = [
    ("common/a.c", '#include "session/manager.h"', "common may not include session"),
    ("tss/frost/b.c", '#include "transport/transport.h"', "tss may not include transport"),
    ("tss/c.c", "#include <stdio.h>", "tss/ is pure"),
    ("tss/d.c", "    pthread_mutex_lock(&mu);", "may not create threads"),
    ("tss/e.c", '#include "proto/envelope.pb-c.h"', "tss may not include proto"),
    ("session/f.c", '#include "node/daemon.h"', "session may not include daemon"),
    ("session/g.c", "#include <nats/nats.h>", "only transport/ includes nats.c"),
    ("transport/h.c", '#include "tss/frost.h"', "transport may not include tss"),
    ("node/cli/i.c", '#include "node/daemon.h"', "cli may not include daemon"),
    ("node/cli_j.c", '#include "node/intake.h"', "cli may not include daemon"),
    ("node/k.c", '#include "node/cli/cli.h"', "daemon may not include cli"),
    ("node/l.c", '#include "node/cli.h"', "daemon may not include cli"),
    ("node/store/m.c", '#include "node/daemon_internal.h"', "node_store may not include daemon"),
    ("node/config/n.c", '#include "node/cli/cli.h"', "node_config may not include cli"),
    ("node/client/o.c", '#include "session/manager.h"', "node_client may not include session"),
    ("node/store_p.c", "#include <microhttpd.h>", "HTTP health/metrics"),
    ("node/q.c", "#include <lmdb.h>", "only the key store includes LMDB"),
    ("node/newdir/r.c", '#include "common/log.h"', "without a layering rule"),
    ("session/s.c", '#include "tests/support/test_util.h"', "never includes tests/"),
]
CLEAN = [
    ("common/ok.c", '#include "common/status.h"\n#include <stdio.h>'),
    ("tss/dkls/ok.c", '#include "tss/curve/x.h"\n#include "common/status.h"'),
    ("session/ok.c", '#include "tss/frost.h"\n#include "transport/transport.h"'),
    ("node/ok.c", '#include "session/manager.h"\n#include "node/store/store.h"\n#include "node/store.h"'),
    ("node/cli/ok.c", '#include "node/client/request.h"\n#include "node/request.h"'),
    ("node/store/ok.c", "#include <lmdb.h>\n#include \"node/client/ids.h\""),
    ("node/client/sid.c", '#include "session/protocol.h"'),
]


def self_test():
    import tempfile
    bad = 0
    with tempfile.TemporaryDirectory() as root:
        def put(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as fh:
                fh.write("/* planted */\n" + text + "\n")
        for rel, text in CLEAN:
            put(rel, text)
        _, _, out = check_tree(root)
        if out:
            bad += 1
            print("self-test: the clean tree was reported:", *out, sep="\n  ")
        for rel, text, want in PLANTED:
            put(rel, text)
            _, _, out = check_tree(root)
            line = 1 if "newdir" in rel else 2  # an unknown folder is named at line 1
            hit = [o for o in out if o.startswith("%s:%d:" % (rel, line)) and want in o]
            if not hit or len(out) != 1:
                bad += 1
                print("self-test: %s (%s) not reported as '%s' at %s:%d; got %s" %
                      (rel, text.strip(), want, rel, line, out))
            os.remove(os.path.join(root, rel))
    print("layering self-test: %d planted violations, %d missed" % (len(PLANTED), bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    files, edges, out = check_tree(root)
    for line in out:
        print(line)
    if files == 0:
        print("layering: no source file found under %s" % root)
        return 1
    print("layering: %d files, %d includes, %d violations" % (files, edges, len(out)))
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
