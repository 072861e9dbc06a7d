#!/usr/bin/env bash
# test_dkls23_vectors.sh — runs `mpc-vectors dkls23-primitives` (DKLs23 spec
# Appendix B and RFC 9380 J.8.1 vectors) from $MPC_BIN; prints its checks and
# the closing "N passed, M failed" line; exits non-zero on any failure.
set -u
bin=${MPC_BIN:-build/asan/bin}/mpc-vectors
if [ ! -x "$bin" ]; then
    echo "missing $bin"
    echo "0 passed, 1 failed"
    exit 1
fi
"$bin" dkls23-primitives
