/*
 * killpoint.c — test-build kill points (node/killpoint.h).
 */
#include "node/killpoint.h"

#ifdef MPC_FAULT_INJECTION
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static const char *const point_names[] = {
    [NODE_KILL_BEFORE_COMMIT] = "before_commit",
    [NODE_KILL_AFTER_SHARE] = "after_share",
    [NODE_KILL_AFTER_CONFIRM] = "after_confirm",
    [NODE_KILL_AFTER_ACTIVATE] = "after_activate",
    [NODE_KILL_BEFORE_PUBLISH] = "before_publish",
    [NODE_KILL_AFTER_PUBLISH] = "after_publish",
    [NODE_KILL_GROUP_PARTIAL] = "group_partial",
    [NODE_KILL_PRESIG_BEFORE_TAKE] = "presig_before_take",
    [NODE_KILL_PRESIG_AFTER_TAKE] = "presig_after_take",
    [NODE_KILL_PRESIG_AFTER_ONLINE] = "presig_after_online",
    [NODE_KILL_PRESIG_AFTER_READ] = "presig_after_read",
};
#define N_POINTS (sizeof point_names / sizeof point_names[0])

#define MAX_ARMED 32 /* <point>[@<request id>] entries, comma-separated */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int armed_point[MAX_ARMED];     /* 0: none */
static char armed_req[MAX_ARMED][128]; /* "" : any request */
static size_t n_armed;

int
node_killpoint_parse(const char *name)
{
    for (size_t i = 1; name != NULL && i < N_POINTS; i++) {
        if (strcmp(name, point_names[i]) == 0) {
            return (int)i;
        }
    }
    return 0;
}

/* Arms one "<point>[@<request id>]" entry (buf is modified). */
static void
arm(char *buf)
{
    char *at = strchr(buf, '@');
    if (at != NULL) {
        *at = '\0';
        snprintf(armed_req[n_armed], sizeof armed_req[n_armed], "%s", at + 1);
    }
    armed_point[n_armed] = node_killpoint_parse(buf);
    mpc_log(armed_point[n_armed] != 0 ? MPC_LOG_WARN : MPC_LOG_ERROR, "node", "test_kill_point",
            "point=%s request=%s armed=%d", buf, armed_req[n_armed][0] ? armed_req[n_armed] : "-",
            armed_point[n_armed] != 0);
    n_armed++;
}

static void
load(void)
{
    const char *v = getenv("MPC_NODE_TEST_KILL_AT");
    char buf[4096];
    if (v == NULL || v[0] == '\0' || strlen(v) >= sizeof buf) {
        return;
    }
    memcpy(buf, v, strlen(v) + 1);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL && n_armed < MAX_ARMED;
         tok = strtok_r(NULL, ",", &save)) {
        arm(tok);
    }
}

void
node_killpoint(enum node_killpoint point, const char *request_id)
{
    (void)pthread_once(&once, load);
    for (size_t i = 0; i < n_armed; i++) {
        if (armed_point[i] == 0 || (int)point != armed_point[i] ||
            (armed_req[i][0] != '\0' &&
             (request_id == NULL || strcmp(request_id, armed_req[i]) != 0))) {
            continue;
        }
        mpc_log(MPC_LOG_WARN, "node", "test_kill", "point=%s request=%s", point_names[point],
                request_id != NULL ? request_id : "-");
        (void)raise(SIGKILL);
    }
}
#else
typedef int node_killpoint_unused; /* ISO C: a translation unit is not empty */
#endif
