/*
 * mpc_vectors_main.c — mpc-vectors: checks external test-vector files.
 *
 *   mpc-vectors frost-sign FILE   RFC 9591 FROST(Ed25519, SHA-512) or
 *                                 FROST(secp256k1, SHA-256) vectors (by the file's config)
 *   mpc-vectors frost-dkg FILE    ZcashFoundation frost DKG vectors (Ed25519)
 *   mpc-vectors dkls23-primitives DKLs23 spec Appendix B and RFC 9380 J.8.1 vectors
 *                                 (built in: the expected values are the spec's)
 *
 * Prints one line per check and a closing "N passed, M failed"; exits 0 only
 * if every check passed (and at least one ran). Other protocols add a
 * checker in tests/support/vec_<name>.c and a row to the table below.
 */
#include <stdio.h>
#include <string.h>

#include "tests/support/vec_dkls23.h"
#include "tests/support/vec_frost.h"

/* One subcommand. */
typedef struct {
    const char *name;                             /* subcommand */
    void (*run)(const char *path, vec_report *r); /* checker */
    const char *help;                             /* usage line */
} vec_cmd;

static const vec_cmd vec_cmds[] = {
    {"frost-sign", vec_frost_sign_file,
     "RFC 9591 FROST(Ed25519, SHA-512) or FROST(secp256k1, SHA-256) vector file"},
    {"frost-dkg", vec_frost_dkg_file, "ZcashFoundation frost DKG vector file (Ed25519)"},
};

static int
usage(void)
{
    fprintf(stderr, "usage: mpc-vectors COMMAND FILE | mpc-vectors dkls23-primitives\n");
    for (size_t i = 0; i < sizeof vec_cmds / sizeof vec_cmds[0]; i++) {
        fprintf(stderr, "  %-12s %s\n", vec_cmds[i].name, vec_cmds[i].help);
    }
    fprintf(stderr, "  %-12s %s\n", "dkls23-primitives",
            "DKLs23 spec Appendix B and RFC 9380 J.8.1 vectors (no file)");
    return 2;
}

/* dkls23-primitives: the vectors are the spec's own, compiled in. */
static int
run_dkls23(void)
{
    int passed = 0, failed = 0;
    int rc = vec_dkls23_primitives(stdout, &passed, &failed);
    printf("%d passed, %d failed\n", passed, failed);
    return rc == 0 && failed == 0 && passed > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "dkls23-primitives") == 0) {
        return run_dkls23();
    }
    if (argc != 3) {
        return usage();
    }
    for (size_t i = 0; i < sizeof vec_cmds / sizeof vec_cmds[0]; i++) {
        if (strcmp(argv[1], vec_cmds[i].name) == 0) {
            vec_report r = {0};
            vec_cmds[i].run(argv[2], &r);
            printf("%u passed, %u failed\n", r.passed, r.failed);
            return (r.failed == 0 && r.passed > 0) ? 0 : 1;
        }
    }
    return usage();
}
