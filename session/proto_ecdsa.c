/*
 * proto_ecdsa.c — adapters from session_protocol to the tss/ DKLs23 state
 * machines. Written out function by function (no generated control flow):
 * each adapter converts the parameters and casts the opaque state.
 */
#include "session/proto_ecdsa.h"

#include "tss/dkls_keygen.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_signing.h"

_Static_assert(SESSION_SID_LEN == TSS_SID_LEN, "sid lengths agree");
_Static_assert(SESSION_NO_CULPRIT == TSS_NO_CULPRIT, "culprit sentinels agree");

/* Copies the session parameters into the tss mirror; returns 0 on NULL arguments. */
static int
ecdsa_params(void **state, const session_protocol_params *p, tss_params *tp)
{
    if (state != NULL) {
        *state = NULL;
    }
    if (state == NULL || p == NULL) {
        return 0;
    }
    *tp = (tss_params){.sid = p->sid,
                       .self = p->self,
                       .n_parties = p->n_parties,
                       .party_ids = p->party_ids,
                       .threshold = p->threshold,
                       .input = p->input,
                       .input_len = p->input_len};
    return 1;
}

/* ------------------------------------------------------------ dkls-keygen */

static mpc_status
keygen_create(void **state, const session_protocol_params *p)
{
    tss_params tp;
    if (!ecdsa_params(state, p, &tp)) {
        return MPC_ERR_INVALID_ARG;
    }
    return tss_dkls_keygen_create((tss_dkls_keygen **)state, &tp);
}

static mpc_status
keygen_start(void *s, mpc_outbox *out)
{
    return tss_dkls_keygen_start(s, out);
}

static uint32_t
keygen_round(const void *s)
{
    return tss_dkls_keygen_current_round(s);
}

static mpc_status
keygen_handle(void *s, uint32_t from, uint32_t round, int bc, const uint8_t *d, size_t len,
              mpc_outbox *out)
{
    return tss_dkls_keygen_handle(s, from, round, bc, d, len, out);
}

static int
keygen_done(const void *s)
{
    return tss_dkls_keygen_is_done(s);
}

static mpc_status
keygen_result(void *s, uint8_t **out, size_t *len)
{
    return tss_dkls_keygen_result(s, out, len);
}

static uint32_t
keygen_culprit(const void *s)
{
    return tss_dkls_keygen_culprit(s);
}

static void
keygen_destroy(void *s)
{
    tss_dkls_keygen_destroy(s);
}

const session_protocol session_proto_dkls_keygen = {
    .name = "dkls-keygen",
    .create = keygen_create,
    .start = keygen_start,
    .current_round = keygen_round,
    .handle = keygen_handle,
    .is_done = keygen_done,
    .result = keygen_result,
    .culprit = keygen_culprit,
    .destroy = keygen_destroy,
};

/* -------------------------------------------------------------- dkls-sign */

static mpc_status
sign_create(void **state, const session_protocol_params *p)
{
    tss_params tp;
    if (!ecdsa_params(state, p, &tp)) {
        return MPC_ERR_INVALID_ARG;
    }
    return tss_dkls_signing_create((tss_dkls_signing **)state, &tp);
}

static mpc_status
sign_start(void *s, mpc_outbox *out)
{
    return tss_dkls_signing_start(s, out);
}

static uint32_t
sign_round(const void *s)
{
    return tss_dkls_signing_current_round(s);
}

static mpc_status
sign_handle(void *s, uint32_t from, uint32_t round, int bc, const uint8_t *d, size_t len,
            mpc_outbox *out)
{
    return tss_dkls_signing_handle(s, from, round, bc, d, len, out);
}

static int
sign_done(const void *s)
{
    return tss_dkls_signing_is_done(s);
}

static mpc_status
sign_result(void *s, uint8_t **out, size_t *len)
{
    return tss_dkls_signing_result(s, out, len);
}

static uint32_t
sign_culprit(const void *s)
{
    return tss_dkls_signing_culprit(s);
}

static void
sign_destroy(void *s)
{
    tss_dkls_signing_destroy(s);
}

const session_protocol session_proto_dkls_sign = {
    .name = "dkls-sign",
    .create = sign_create,
    .start = sign_start,
    .current_round = sign_round,
    .handle = sign_handle,
    .is_done = sign_done,
    .result = sign_result,
    .culprit = sign_culprit,
    .destroy = sign_destroy,
};

/* ----------------------------------------------------------- dkls-reshare */

static mpc_status
reshare_create(void **state, const session_protocol_params *p)
{
    tss_params tp;
    if (!ecdsa_params(state, p, &tp)) {
        return MPC_ERR_INVALID_ARG;
    }
    return tss_dkls_reshare_create((tss_dkls_reshare **)state, &tp);
}

static mpc_status
reshare_start(void *s, mpc_outbox *out)
{
    return tss_dkls_reshare_start(s, out);
}

static uint32_t
reshare_round(const void *s)
{
    return tss_dkls_reshare_current_round(s);
}

static mpc_status
reshare_handle(void *s, uint32_t from, uint32_t round, int bc, const uint8_t *d, size_t len,
               mpc_outbox *out)
{
    return tss_dkls_reshare_handle(s, from, round, bc, d, len, out);
}

static int
reshare_done(const void *s)
{
    return tss_dkls_reshare_is_done(s);
}

static mpc_status
reshare_result(void *s, uint8_t **out, size_t *len)
{
    return tss_dkls_reshare_result(s, out, len);
}

static uint32_t
reshare_culprit(const void *s)
{
    return tss_dkls_reshare_culprit(s);
}

static void
reshare_destroy(void *s)
{
    tss_dkls_reshare_destroy(s);
}

const session_protocol session_proto_dkls_reshare = {
    .name = "dkls-reshare",
    .create = reshare_create,
    .start = reshare_start,
    .current_round = reshare_round,
    .handle = reshare_handle,
    .is_done = reshare_done,
    .result = reshare_result,
    .culprit = reshare_culprit,
    .destroy = reshare_destroy,
};
