/*
 * test_passphrase.c — passphrase from file, environment and terminal prompt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/store/passphrase.h"
#include "tests/support/node_fixture.h"

static int
setup_dir(void **state)
{
    *state = node_fixture_tmpdir_create();
    return *state == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
    node_fixture_tmpdir_remove(*state);
    return 0;
}

static void
test_passphrase_from_file_first_line(void **state)
{
    char *p = node_fixture_path(*state, "pass");
    char err[256];
    node_store_passphrase *pp = NULL;
    assert_int_equal(node_fixture_write(p, "correct horse\r\nsecond line\n", 0600), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)), MPC_OK);
    assert_string_equal(err, "");
    assert_int_equal(node_store_passphrase_len(pp), 13);
    assert_string_equal(node_store_passphrase_data(pp), "correct horse");
    node_store_passphrase_destroy(pp);
    /* No trailing newline at all. */
    assert_int_equal(node_fixture_write(p, "x", 0400), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)), MPC_OK);
    assert_string_equal(node_store_passphrase_data(pp), "x");
    node_store_passphrase_destroy(pp);
    free(p);
}

static void
test_passphrase_from_file_errors(void **state)
{
    char *p = node_fixture_path(*state, "pass2");
    char err[256];
    node_store_passphrase *pp = (node_store_passphrase *)&err;
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)), MPC_ERR_IO);
    assert_null(pp);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(node_fixture_write(p, "secret\n", 0640), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)), MPC_ERR_FILE_MODE);
    assert_non_null(strstr(err, "0640"));
    assert_null(strstr(err, "secret"));
    assert_int_equal(node_fixture_write(p, "\nsecond\n", 0600), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "empty"));
    char *big = malloc(NODE_STORE_PASSPHRASE_MAX + 4);
    memset(big, 'a', NODE_STORE_PASSPHRASE_MAX + 1);
    big[NODE_STORE_PASSPHRASE_MAX + 1] = '\n';
    big[NODE_STORE_PASSPHRASE_MAX + 2] = '\0';
    assert_int_equal(node_fixture_write(p, big, 0600), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    big[NODE_STORE_PASSPHRASE_MAX] = '\n';
    big[NODE_STORE_PASSPHRASE_MAX + 1] = '\0';
    assert_int_equal(node_fixture_write(p, big, 0600), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)), MPC_OK);
    assert_int_equal(node_store_passphrase_len(pp), NODE_STORE_PASSPHRASE_MAX);
    node_store_passphrase_destroy(pp);
    /* The longest passphrase with a CRLF line end. */
    big[NODE_STORE_PASSPHRASE_MAX] = '\r';
    big[NODE_STORE_PASSPHRASE_MAX + 1] = '\n';
    big[NODE_STORE_PASSPHRASE_MAX + 2] = '\0';
    assert_int_equal(node_fixture_write(p, big, 0600), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)), MPC_OK);
    assert_int_equal(node_store_passphrase_len(pp), NODE_STORE_PASSPHRASE_MAX);
    node_store_passphrase_destroy(pp);
    /* One byte more followed by CR is still too long. */
    big[NODE_STORE_PASSPHRASE_MAX] = 'a';
    big[NODE_STORE_PASSPHRASE_MAX + 1] = '\r';
    assert_int_equal(node_fixture_write(p, big, 0600), 0);
    assert_int_equal(node_store_passphrase_from_file(p, &pp, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    free(big);
    assert_int_equal(node_store_passphrase_from_file(NULL, &pp, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_file(p, NULL, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_file(*state, &pp, err, sizeof(err)), MPC_ERR_IO);
    assert_non_null(strstr(err, "not a regular file"));
    free(p);
}

static void
test_passphrase_from_env(void **state)
{
    (void)state;
    char err[256];
    node_store_passphrase *pp = NULL;
    assert_int_equal(setenv("MPC_TEST_PASS_VAR", "from env", 1), 0);
    assert_int_equal(node_store_passphrase_from_env("MPC_TEST_PASS_VAR", &pp, err, sizeof(err)),
                     MPC_OK);
    assert_string_equal(node_store_passphrase_data(pp), "from env");
    node_store_passphrase_destroy(pp);
    assert_int_equal(setenv(NODE_STORE_PASSPHRASE_ENV_VAR, "default var", 1), 0);
    assert_int_equal(
        node_store_passphrase_load(NODE_STORE_PASSPHRASE_ENV, NULL, &pp, err, sizeof(err)), MPC_OK);
    assert_string_equal(node_store_passphrase_data(pp), "default var");
    node_store_passphrase_destroy(pp);
    unsetenv("MPC_TEST_PASS_VAR");
    assert_int_equal(node_store_passphrase_from_env("MPC_TEST_PASS_VAR", &pp, err, sizeof(err)),
                     MPC_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "MPC_TEST_PASS_VAR is not set"));
    assert_int_equal(setenv("MPC_TEST_PASS_VAR", "", 1), 0);
    assert_int_equal(node_store_passphrase_from_env("MPC_TEST_PASS_VAR", &pp, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_null(pp);
    unsetenv("MPC_TEST_PASS_VAR");
    unsetenv(NODE_STORE_PASSPHRASE_ENV_VAR);
}

/* Reading leaves the variable; scrubbing removes it and wipes its bytes in place. */
static void
test_passphrase_from_env_scrubs(void **state)
{
    (void)state;
    char err[256];
    node_store_passphrase *pp = NULL;
    assert_int_equal(setenv("MPC_TEST_SCRUB", "scrub-me-please", 1), 0);
    char *where = getenv("MPC_TEST_SCRUB");
    assert_non_null(where);
    assert_int_equal(node_store_passphrase_from_env("MPC_TEST_SCRUB", &pp, err, sizeof(err)),
                     MPC_OK);
    assert_string_equal(node_store_passphrase_data(pp), "scrub-me-please");
    assert_ptr_equal(getenv("MPC_TEST_SCRUB"), where);
    node_store_passphrase_env_scrub("MPC_TEST_SCRUB");
    assert_null(getenv("MPC_TEST_SCRUB"));
    node_store_passphrase_env_scrub("MPC_TEST_SCRUB"); /* unset: nothing to do */
    /* setenv's string is never freed by glibc: the old value's bytes are still ours to read */
    static const char zero[15] = {0};
    assert_memory_equal(where, zero, sizeof zero);
    node_store_passphrase_destroy(pp);
}

static void
test_passphrase_from_credential(void **state)
{
    char err[256];
    node_store_passphrase *pp = NULL;
    char *p = node_fixture_path(*state, NODE_STORE_PASSPHRASE_CRED_NAME);
    char *c = node_fixture_path(*state, "cred-x");
    assert_int_equal(node_fixture_write(p, "from systemd\n", 0400), 0);
    assert_int_equal(node_fixture_write(c, "named\n", 0600), 0);
    unsetenv("CREDENTIALS_DIRECTORY");
    assert_int_equal(node_store_passphrase_from_credential(NULL, &pp, err, sizeof(err)),
                     MPC_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "CREDENTIALS_DIRECTORY"));
    assert_int_equal(setenv("CREDENTIALS_DIRECTORY", *state, 1), 0);
    assert_int_equal(
        node_store_passphrase_load(NODE_STORE_PASSPHRASE_CREDENTIAL, NULL, &pp, err, sizeof(err)),
        MPC_OK);
    assert_string_equal(node_store_passphrase_data(pp), "from systemd");
    node_store_passphrase_destroy(pp);
    assert_int_equal(node_store_passphrase_from_credential("cred-x", &pp, err, sizeof(err)),
                     MPC_OK);
    assert_string_equal(node_store_passphrase_data(pp), "named");
    node_store_passphrase_destroy(pp);
    pp = NULL;
    assert_int_equal(node_store_passphrase_from_credential("../pass", &pp, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_credential("", &pp, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_credential("absent", &pp, err, sizeof(err)),
                     MPC_ERR_IO);
    assert_null(pp);
    /* group bits may carry systemd's ACL mask: allowed; others: never */
    assert_int_equal(chmod(c, 0640), 0);
    assert_int_equal(node_store_passphrase_from_credential("cred-x", &pp, err, sizeof(err)),
                     MPC_OK);
    node_store_passphrase_destroy(pp);
    pp = NULL;
    assert_int_equal(node_store_passphrase_from_file(c, &pp, err, sizeof(err)), MPC_ERR_FILE_MODE);
    assert_int_equal(chmod(c, 0644), 0);
    assert_int_equal(node_store_passphrase_from_credential("cred-x", &pp, err, sizeof(err)),
                     MPC_ERR_FILE_MODE);
    unsetenv("CREDENTIALS_DIRECTORY");
    free(p);
    free(c);
}

/* Opens a pseudo-terminal pair; the slave is a real tty for tcgetattr. */
static void
open_pty(int *master, int *slave)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(*master >= 0);
    assert_int_equal(grantpt(*master), 0);
    assert_int_equal(unlockpt(*master), 0);
    *slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
    assert_true(*slave >= 0);
}

static void
test_passphrase_prompt_disables_echo_and_restores(void **state)
{
    (void)state;
    int m, s;
    open_pty(&m, &s);
    struct termios before, after;
    assert_int_equal(tcgetattr(s, &before), 0);
    assert_true((before.c_lflag & ECHO) != 0);
    /* Typed input waits in the pty until the prompt reads it (TCSAFLUSH only
     * drops input that arrived before echo was turned off, so type after). */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        /* Wait until the parent's prompt appeared on the master, then type. */
        if (read(m, &c, 1) != 1) {
            _exit(2);
        }
        _exit(write(m, "typed pw\n", 9) == 9 ? 0 : 1);
    }
    node_store_passphrase *pp = NULL;
    char err[256];
    mpc_status st = node_store_passphrase_prompt_fd(s, s, "pw: ", &pp, err, sizeof(err));
    assert_int_equal(st, MPC_OK);
    assert_string_equal(node_store_passphrase_data(pp), "typed pw");
    assert_int_equal(tcgetattr(s, &after), 0);
    assert_true((after.c_lflag & ECHO) != 0);
    node_store_passphrase_destroy(pp);
    /* The master side saw the prompt but never the typed passphrase (echo off). */
    char seen[256] = {0};
    ssize_t n = read(m, seen, sizeof(seen) - 1);
    (void)n;
    assert_null(strstr(seen, "typed"));
    int wst = 0;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    close(s);
    close(m);
}

static void
test_passphrase_prompt_not_a_tty(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    node_store_passphrase *pp = NULL;
    char err[256];
    assert_int_equal(node_store_passphrase_prompt_fd(p[0], p[1], NULL, &pp, err, sizeof(err)),
                     MPC_ERR_IO);
    assert_null(pp);
    assert_non_null(strstr(err, "not a terminal"));
    close(p[0]);
    close(p[1]);
}

static void
test_passphrase_from_bytes_bad_args(void **state)
{
    (void)state;
    node_store_passphrase *pp = NULL;
    assert_int_equal(node_store_passphrase_from_bytes("abc", 0, &pp), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_bytes(NULL, 3, &pp), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_bytes("abc", 3, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_bytes("abc", NODE_STORE_PASSPHRASE_MAX + 1, &pp),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_passphrase_from_bytes("abc", 3, &pp), MPC_OK);
    assert_int_equal(node_store_passphrase_len(pp), 3);
    node_store_passphrase_destroy(pp);
    node_store_passphrase_destroy(NULL);
    assert_null(node_store_passphrase_data(NULL));
    assert_int_equal(node_store_passphrase_len(NULL), 0);
    assert_int_equal(
        node_store_passphrase_load((enum node_store_passphrase_source)9, NULL, &pp, NULL, 0),
        MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_passphrase_from_file_first_line, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_passphrase_from_file_errors, setup_dir, teardown_dir),
        cmocka_unit_test(test_passphrase_from_env),
        cmocka_unit_test(test_passphrase_from_env_scrubs),
        cmocka_unit_test_setup_teardown(test_passphrase_from_credential, setup_dir, teardown_dir),
        cmocka_unit_test(test_passphrase_prompt_disables_echo_and_restores),
        cmocka_unit_test(test_passphrase_prompt_not_a_tty),
        cmocka_unit_test(test_passphrase_from_bytes_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
