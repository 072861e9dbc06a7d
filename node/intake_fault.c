/*
 * intake_fault.c — test-build request loss at intake (node/intake_fault.h).
 */
#include "node/intake_fault.h"

#ifdef MPC_FAULT_INJECTION
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "node/client/ids.h"

#define MAX_LOSE 32 /* request ids named */

static int loaded;                                             /* 1 once the variable was read */
static char lose_id[MAX_LOSE][NODE_CLIENT_REQUEST_ID_MAX + 1]; /* named request ids */
static int lost[MAX_LOSE];                                     /* 1 = its first copy was dropped */
static size_t n_lose;                                          /* count */

static void
load(void)
{
    const char *v = getenv("MPC_NODE_TEST_LOSE_FIRST");
    char buf[4096];
    loaded = 1;
    if (v == NULL || v[0] == '\0' || strlen(v) >= sizeof buf) {
        return;
    }
    memcpy(buf, v, strlen(v) + 1);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL && n_lose < MAX_LOSE;
         tok = strtok_r(NULL, ",", &save)) {
        snprintf(lose_id[n_lose++], sizeof lose_id[0], "%s", tok);
    }
}

int
node_intake_fault_lose_first(const char *request_id)
{
    if (!loaded) {
        load();
    }
    for (size_t i = 0; request_id != NULL && i < n_lose; i++) {
        if (!lost[i] && strcmp(lose_id[i], request_id) == 0) {
            lost[i] = 1;
            mpc_log(MPC_LOG_WARN, "node", "fault_request_lost", "request=%s", request_id);
            return 1;
        }
    }
    return 0;
}
#else
typedef int node_intake_fault_unused; /* ISO C: a translation unit is not empty */
#endif
