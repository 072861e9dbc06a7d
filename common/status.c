/*
 * status.c — names and descriptions of mpc_status codes, from the one table.
 */
#include "common/status.h"

struct status_entry {
    int value;        /* the code */
    const char *name; /* symbolic name, e.g. "MPC_ERR_TIMEOUT" */
    const char *desc; /* human-readable description */
};

static const struct status_entry status_entries[] = {
#define MPC_STATUS_ENTRY(name, value, desc) {value, #name, desc},
    MPC_STATUS_TABLE(MPC_STATUS_ENTRY)
#undef MPC_STATUS_ENTRY
};

#define STATUS_COUNT (sizeof(status_entries) / sizeof(status_entries[0]))

static const struct status_entry *
status_find(int st)
{
    for (size_t i = 0; i < STATUS_COUNT; i++) {
        if (status_entries[i].value == st) {
            return &status_entries[i];
        }
    }
    return NULL;
}

const char *
mpc_status_str(mpc_status st)
{
    const struct status_entry *e = status_find((int)st);
    return e ? e->desc : "unknown status";
}

const char *
mpc_status_name(mpc_status st)
{
    const struct status_entry *e = status_find((int)st);
    return e ? e->name : "MPC_ERR_UNKNOWN";
}

int
mpc_status_is_known(int st)
{
    return status_find(st) != NULL;
}

size_t
mpc_status_count(void)
{
    return STATUS_COUNT;
}

mpc_status
mpc_status_at(size_t i)
{
    return i < STATUS_COUNT ? (mpc_status)status_entries[i].value : MPC_ERR_INVALID_ARG;
}
