/*
 * dkls_vectors_main.c — dkls-vectors: runs the DKLs23 primitive vectors
 * (spec Appendix B, RFC 9380 J.8.1) and prints "N passed, M failed".
 * Temporary program: becomes the `dkls23-primitives` subcommand of mpc-vectors.
 * Exit status 0 only if every check passed.
 */
#include <stdio.h>

#include "tests/support/vec_dkls23.h"

int
main(void)
{
    int passed = 0, failed = 0;
    int rc = vec_dkls23_primitives(stdout, &passed, &failed);
    printf("%d passed, %d failed\n", passed, failed);
    return rc == 0 && failed == 0 ? 0 : 1;
}
