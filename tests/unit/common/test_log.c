/*
 * test_log.c — the logger never splits or interleaves lines under 8
 * concurrent writers, escapes JSON, filters by level, marks truncation.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

/* Reads the whole temp file fd into a NUL-terminated malloc'd buffer. */
static char *
slurp(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    assert_true(end >= 0);
    char *buf = malloc((size_t)end + 1);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, (size_t)end, 0), end);
    buf[end] = '\0';
    *len = (size_t)end;
    return buf;
}

static int
tmp_fd(void)
{
    char path[] = "/tmp/mpc-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    return fd;
}

enum { WRITERS = 8, LINES = 2000 };

static void *
writer_thread(void *p)
{
    int id = (int)(intptr_t)p;
    char pad[700];
    memset(pad, 'a' + id, sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int i = 0; i < LINES; i++) {
        mpc_log(MPC_LOG_INFO, "test", "line", "writer=%d seq=%d pad=%s end=%d", id, i, pad, id);
    }
    return NULL;
}

static void
test_log_concurrent_lines_never_split(void **state)
{
    (void)state;
    int fd = tmp_fd();
    mpc_log_set_fd(fd);
    mpc_log_set_format(MPC_LOG_TEXT);
    mpc_log_set_level(MPC_LOG_INFO);
    pthread_t th[WRITERS];
    for (intptr_t i = 0; i < WRITERS; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, writer_thread, (void *)i), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
    }
    mpc_log_set_fd(2);

    size_t len = 0;
    char *buf = slurp(fd, &len);
    close(fd);
    assert_true(len > 0);
    assert_int_equal(buf[len - 1], '\n');
    static unsigned char seen[WRITERS][LINES];
    memset(seen, 0, sizeof seen);
    size_t nlines = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int w = -1, s = -1, e = -1;
        char pad[800];
        nlines++;
        assert_memory_equal(line, "ts=", 3);
        const char *f = strstr(line, " writer=");
        assert_non_null(f);
        assert_int_equal(sscanf(f, " writer=%d seq=%d pad=%799s end=%d", &w, &s, pad, &e), 4);
        assert_true(w >= 0 && w < WRITERS && s >= 0 && s < LINES);
        assert_int_equal(e, w); /* the line's own end marker: nothing from another writer */
        assert_int_equal(strlen(pad), 699);
        for (size_t k = 0; k < 699; k++) {
            assert_int_equal(pad[k], 'a' + w);
        }
        seen[w][s]++;
    }
    assert_int_equal(nlines, WRITERS * LINES);
    for (int w = 0; w < WRITERS; w++) {
        for (int s = 0; s < LINES; s++) {
            assert_int_equal(seen[w][s], 1);
        }
    }
    free(buf);
}

static void
test_log_json_escapes_and_one_line(void **state)
{
    (void)state;
    int fd = tmp_fd();
    mpc_log_set_fd(fd);
    mpc_log_set_format(MPC_LOG_JSON);
    mpc_log(MPC_LOG_WARN, "mod", "ev", "text=\"quoted\"\nsecond\\line\t%d", 7);
    mpc_log_set_format(MPC_LOG_TEXT);
    mpc_log_set_fd(2);
    size_t len = 0;
    char *buf = slurp(fd, &len);
    close(fd);
    assert_non_null(strstr(buf, "\"level\":\"warn\""));
    assert_non_null(strstr(buf, "\"mod\":\"mod\",\"event\":\"ev\""));
    assert_non_null(strstr(buf, "text=\\\"quoted\\\" second\\\\line\\u0009"
                                "7"));
    assert_int_equal(buf[0], '{');
    assert_memory_equal(buf + len - 3, "\"}\n", 3);
    assert_null(memchr(buf, '\n', len - 1)); /* exactly one line */
    free(buf);
}

static void
test_log_level_filter(void **state)
{
    (void)state;
    int fd = tmp_fd();
    mpc_log_set_fd(fd);
    mpc_log_set_level(MPC_LOG_WARN);
    assert_int_equal(mpc_log_get_level(), MPC_LOG_WARN);
    mpc_log(MPC_LOG_DEBUG, "m", "hidden_debug", NULL);
    mpc_log(MPC_LOG_INFO, "m", "hidden_info", NULL);
    mpc_log(MPC_LOG_ERROR, "m", "shown_error", "k=%s", "v");
    mpc_log_set_level(MPC_LOG_OFF);
    mpc_log(MPC_LOG_ERROR, "m", "hidden_off", NULL);
    mpc_log_set_level(MPC_LOG_INFO);
    mpc_log_set_fd(2);
    size_t len = 0;
    char *buf = slurp(fd, &len);
    close(fd);
    assert_null(strstr(buf, "hidden"));
    assert_non_null(strstr(buf, "level=error mod=m event=shown_error k=v\n"));
    free(buf);
}

static void
test_log_truncates_long_line(void **state)
{
    (void)state;
    int fd = tmp_fd();
    char *big = malloc(3 * MPC_LOG_LINE_MAX);
    assert_non_null(big);
    memset(big, 'x', 3 * MPC_LOG_LINE_MAX - 1);
    big[3 * MPC_LOG_LINE_MAX - 1] = '\0';
    mpc_log_set_fd(fd);
    mpc_log(MPC_LOG_ERROR, "m", "big", "v=%s", big);
    mpc_log_set_fd(2);
    size_t len = 0;
    char *buf = slurp(fd, &len);
    close(fd);
    assert_true(len < MPC_LOG_LINE_MAX + 200);
    assert_non_null(strstr(buf, " truncated=1\n"));
    assert_null(memchr(buf, '\n', len - 1));
    free(buf);
    free(big);
}

static void
test_log_parse(void **state)
{
    (void)state;
    mpc_log_level lv = MPC_LOG_INFO;
    mpc_log_format f = MPC_LOG_TEXT;
    assert_int_equal(mpc_log_level_parse("debug", &lv), MPC_OK);
    assert_int_equal(lv, MPC_LOG_DEBUG);
    assert_int_equal(mpc_log_level_parse("error", &lv), MPC_OK);
    assert_int_equal(lv, MPC_LOG_ERROR);
    assert_int_equal(mpc_log_level_parse("loud", &lv), MPC_ERR_PARSE);
    assert_int_equal(mpc_log_level_parse(NULL, &lv), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_log_level_parse("info", NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_log_format_parse("json", &f), MPC_OK);
    assert_int_equal(f, MPC_LOG_JSON);
    assert_int_equal(mpc_log_format_parse("xml", &f), MPC_ERR_PARSE);
    assert_int_equal(mpc_log_format_parse(NULL, &f), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_concurrent_lines_never_split),
        cmocka_unit_test(test_log_json_escapes_and_one_line),
        cmocka_unit_test(test_log_level_filter),
        cmocka_unit_test(test_log_truncates_long_line),
        cmocka_unit_test(test_log_parse),
    };
    return cmocka_run_group_tests_name("common/log", tests, NULL, NULL);
}
