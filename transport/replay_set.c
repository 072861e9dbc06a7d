/*
 * replay_set.c — uthash set of "from\0" + round + seq keys.
 */
#include "transport/replay_set.h"

#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "transport/peer_table.h"

struct replay_key {
    char from[TRANSPORT_NODE_ID_MAX + 1]; /* sender, NUL-padded */
    uint32_t round;                       /* round */
    uint32_t pad;                         /* zero: keeps the key free of indeterminate bytes */
    uint64_t seq;                         /* sequence number */
};

struct replay_entry {
    struct replay_key key; /* hashed as raw bytes */
    UT_hash_handle hh;     /* table link */
};

struct transport_replay_set {
    struct replay_entry *set; /* uthash table */
    size_t count;             /* entries */
    size_t cap;               /* limit */
};

mpc_status
transport_replay_set_create(size_t cap, transport_replay_set **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_replay_set *rs = calloc(1, sizeof *rs);
    if (rs == NULL) {
        return MPC_ERR_NOMEM;
    }
    rs->cap = cap;
    *out = rs;
    return MPC_OK;
}

void
transport_replay_set_destroy(transport_replay_set *rs)
{
    if (rs == NULL) {
        return;
    }
    struct replay_entry *e, *tmp;
    HASH_ITER(hh, rs->set, e, tmp)
    {
        HASH_DEL(rs->set, e);
        free(e);
    }
    free(rs);
}

mpc_status
transport_replay_set_add(transport_replay_set *rs, const char *from, uint32_t round, uint64_t seq)
{
    struct replay_key k;
    struct replay_entry *found = NULL;
    if (rs == NULL || from == NULL || strlen(from) > TRANSPORT_NODE_ID_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(&k, 0, sizeof k);
    memcpy(k.from, from, strlen(from));
    k.round = round;
    k.seq = seq;
    HASH_FIND(hh, rs->set, &k, sizeof k, found);
    if (found != NULL) {
        return MPC_ERR_MSG_REPLAY;
    }
    if (rs->count >= rs->cap) {
        return MPC_ERR_QUEUE_FULL;
    }
    struct replay_entry *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return MPC_ERR_NOMEM;
    }
    e->key = k;
    HASH_ADD(hh, rs->set, key, sizeof e->key, e);
    rs->count++;
    return MPC_OK;
}

size_t
transport_replay_set_count(const transport_replay_set *rs)
{
    return rs != NULL ? rs->count : 0;
}
