/*
 * fuzz_tss_messages.c — libFuzzer harness: arbitrary bytes fed as a
 * round-1 message to a DKG party must fail cleanly (a status, never a crash
 * or leak). The first input byte picks the sender and the delivery kind.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tss/dkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sid[TSS_SID_LEN] = {1};
    const char *ids[3] = {"a", "b", "c"};
    tss_params p = {.sid = sid, .self = 0, .n_parties = 3, .party_ids = ids, .threshold = 2};
    tss_base *s = NULL;
    mpc_outbox out;
    if (size < 1 || tss_dkg_create(&s, &p) != MPC_OK) {
        return 0;
    }
    mpc_outbox_init(&out);
    if (tss_proto_start(s, &out) == MPC_OK) {
        uint32_t from = 1 + (data[0] & 1);
        int bc = (data[0] >> 1) & 1;
        mpc_status st = tss_proto_handle(s, from, 1, bc, data + 1, size - 1, &out);
        if (st == MPC_OK && tss_proto_current_round(s) != 1) {
            abort(); /* one message cannot complete round 1 of three parties */
        }
    }
    mpc_outbox_clear(&out);
    tss_proto_destroy(s);
    return 0;
}
