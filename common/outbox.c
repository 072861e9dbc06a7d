/*
 * outbox.c — outgoing protocol messages.
 *
 * DESIGN: every payload lives in mpc_secure_alloc memory (locked against
 * swapping, guarded, excluded from nothing else but wiped on free): direct
 * payloads carry secret shares and OT messages, and one rule for all
 * messages leaves no way to free one the wrong way.
 */
#include "common/outbox.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"

void
mpc_outbox_init(mpc_outbox *ob)
{
    if (ob != NULL) {
        memset(ob, 0, sizeof *ob);
    }
}

static mpc_status
outbox_reserve(mpc_outbox *ob)
{
    if (ob->n < ob->cap) {
        return MPC_OK;
    }
    size_t cap = ob->cap ? ob->cap * 2 : 8;
    mpc_out_msg *m = realloc(ob->msgs, cap * sizeof *m);
    if (m == NULL) {
        return MPC_ERR_NOMEM;
    }
    ob->msgs = m;
    ob->cap = cap;
    return MPC_OK;
}

mpc_status
mpc_outbox_add_owned(mpc_outbox *ob, uint32_t round, uint32_t to, uint8_t **data, size_t len)
{
    if (ob == NULL || data == NULL || (*data == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = outbox_reserve(ob);
    if (st != MPC_OK) {
        return st;
    }
    ob->msgs[ob->n++] = (mpc_out_msg){.round = round, .to = to, .data = *data, .len = len};
    *data = NULL;
    return MPC_OK;
}

mpc_status
mpc_outbox_add(mpc_outbox *ob, uint32_t round, uint32_t to, const uint8_t *data, size_t len)
{
    if (ob == NULL || (data == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *copy = mpc_secure_alloc(len ? len : 1);
    if (copy == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (len > 0) {
        memcpy(copy, data, len);
    }
    mpc_status st = mpc_outbox_add_owned(ob, round, to, &copy, len);
    if (st != MPC_OK) {
        mpc_secure_free(copy);
    }
    return st;
}

void
mpc_outbox_clear(mpc_outbox *ob)
{
    if (ob == NULL) {
        return;
    }
    for (size_t i = 0; i < ob->n; i++) {
        mpc_secure_free(ob->msgs[i].data); /* wipes */
    }
    free(ob->msgs);
    memset(ob, 0, sizeof *ob);
}

mpc_status
mpc_outbox_mark_pair_bound(mpc_outbox *ob)
{
    if (ob == NULL || ob->n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    ob->msgs[ob->n - 1].pair_bound = 1;
    return MPC_OK;
}
