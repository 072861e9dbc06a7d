/*
 * proto_eddsa.c — adapters from session_protocol to the tss/ EdDSA state machines.
 */
#include "session/proto_eddsa.h"

#include "tss/dkg.h"
#include "tss/frost_sign.h"
#include "tss/reshare.h"

_Static_assert(SESSION_SID_LEN == TSS_SID_LEN, "sid lengths agree");
_Static_assert(SESSION_NO_CULPRIT == TSS_NO_CULPRIT, "culprit sentinels agree");

static void
proto_params(tss_params *tp, const session_protocol_params *p)
{
    *tp = (tss_params){.sid = p->sid,
                       .self = p->self,
                       .n_parties = p->n_parties,
                       .party_ids = p->party_ids,
                       .threshold = p->threshold,
                       .input = p->input,
                       .input_len = p->input_len};
}

/* Defines the eight adapter functions of one tss protocol prefix. */
#define PROTO_ADAPTER(pfx, type)                                                                   \
    static mpc_status pfx##_a_create(void **state, const session_protocol_params *p)               \
    {                                                                                              \
        tss_params tp;                                                                             \
        if (state != NULL) {                                                                       \
            *state = NULL;                                                                         \
        }                                                                                          \
        if (state == NULL || p == NULL) {                                                          \
            return MPC_ERR_INVALID_ARG;                                                            \
        }                                                                                          \
        proto_params(&tp, p);                                                                      \
        return pfx##_create((type **)state, &tp);                                                  \
    }                                                                                              \
    static mpc_status pfx##_a_start(void *s, mpc_outbox *out)                                      \
    {                                                                                              \
        return pfx##_start(s, out);                                                                \
    }                                                                                              \
    static uint32_t pfx##_a_round(const void *s)                                                   \
    {                                                                                              \
        return pfx##_current_round(s);                                                             \
    }                                                                                              \
    static mpc_status pfx##_a_handle(void *s, uint32_t from, uint32_t round, int bc,               \
                                     const uint8_t *d, size_t len, mpc_outbox *out)                \
    {                                                                                              \
        return pfx##_handle(s, from, round, bc, d, len, out);                                      \
    }                                                                                              \
    static int pfx##_a_done(const void *s)                                                         \
    {                                                                                              \
        return pfx##_is_done(s);                                                                   \
    }                                                                                              \
    static mpc_status pfx##_a_result(void *s, uint8_t **out, size_t *len)                          \
    {                                                                                              \
        return pfx##_result(s, out, len);                                                          \
    }                                                                                              \
    static uint32_t pfx##_a_culprit(const void *s)                                                 \
    {                                                                                              \
        return pfx##_culprit(s);                                                                   \
    }                                                                                              \
    static void pfx##_a_destroy(void *s)                                                           \
    {                                                                                              \
        pfx##_destroy(s);                                                                          \
    }

PROTO_ADAPTER(tss_dkg, tss_dkg)
PROTO_ADAPTER(tss_frost_sign, tss_frost_sign)
PROTO_ADAPTER(tss_reshare, tss_reshare)

#define PROTO_TABLE(pfx, label)                                                                    \
    {                                                                                              \
        .name = label, .create = pfx##_a_create, .start = pfx##_a_start,                           \
        .current_round = pfx##_a_round, .handle = pfx##_a_handle, .is_done = pfx##_a_done,         \
        .result = pfx##_a_result, .culprit = pfx##_a_culprit, .destroy = pfx##_a_destroy,          \
    }

const session_protocol session_proto_frost_dkg = PROTO_TABLE(tss_dkg, "frost-dkg");
const session_protocol session_proto_frost_sign = PROTO_TABLE(tss_frost_sign, "frost-sign");
const session_protocol session_proto_frost_reshare = PROTO_TABLE(tss_reshare, "frost-reshare");
