/*
 * batch.c — N instances of a signing protocol in one session (batch.h).
 *
 * DESIGN: the state owns its instances (inner states) and one scratch outbox
 * per instance. A packed message is parsed and checked whole first; then
 * entry i goes to instance i, in index order, each emitting into its own
 * scratch outbox; once every instance took its entry, the scratch outboxes
 * are packed message by message into the caller's outbox and wiped. The
 * wrapper's round and done flag mirror instance 0, and every instance must
 * agree with it after each step (lock-step).
 */
#include "tss/batch.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/dkls_signing.h"
#include "tss/frost_sign.h"

#define BATCH_MAGIC  0x62617463u /* "batc": tells a batch state from another protocol's */
#define BATCH_DOMAIN "mpc-node/batch/v1"

typedef struct {
    tss_base b;                /* first member: rounds, parties, failure */
    uint32_t magic;            /* BATCH_MAGIC */
    const tss_protocol *inner; /* the signing protocol of every instance */
    uint32_t count;            /* number of instances */
    tss_base **inst;           /* count instances (owned) */
    mpc_outbox *scratch;       /* count scratch outboxes (one step's output) */
    uint32_t failed_instance;  /* instance that failed the batch, or TSS_BATCH_NO_INSTANCE */
    const uint8_t **entry;     /* count entries of the message being handled (borrowed) */
    size_t *entry_len;         /* their lengths */
} tss_batch;

static mpc_status batch_handle(tss_base *s, uint32_t from, uint32_t round, int is_broadcast,
                               const uint8_t *data, size_t len, mpc_outbox *out);

/* s as a batch state, or NULL: told by its table's handle() (every batch table, copies
 * included, shares it), so no other protocol's state is read beyond its base. */
static tss_batch *
batch_of(tss_base *s)
{
    tss_batch *b =
        s != NULL && s->proto != NULL && s->proto->handle == batch_handle ? (tss_batch *)s : NULL;
    return b != NULL && b->magic == BATCH_MAGIC ? b : NULL;
}

mpc_status
tss_batch_input_encode(uint8_t **out, size_t *out_len, const uint8_t *const *inputs,
                       const size_t *lens, uint32_t count)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || inputs == NULL || lens == NULL || count == 0 ||
        count > TSS_BATCH_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t len = 1 + 2;
    for (uint32_t i = 0; i < count; i++) {
        if (inputs[i] == NULL || lens[i] == 0 || lens[i] > UINT32_MAX) {
            return MPC_ERR_INVALID_ARG;
        }
        len += 4 + lens[i];
    }
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_wr_u8(&w, TSS_BATCH_INPUT_VERSION);
    tss_wr_u16(&w, (uint16_t)count);
    for (uint32_t i = 0; i < count; i++) {
        tss_wr_u32(&w, (uint32_t)lens[i]);
        tss_wr_bytes(&w, inputs[i], lens[i]);
    }
    *out = buf;
    *out_len = len;
    return MPC_OK;
}

/* Walks a result to entry i. Returns MPC_OK or MPC_ERR_BATCH_MALFORMED. */
static mpc_status
result_walk(const uint8_t *res, size_t res_len, uint32_t want, uint32_t *count, const uint8_t **p,
            size_t *len)
{
    tss_rd r;
    tss_rd_init(&r, res, res_len);
    uint16_t n = tss_rd_u16(&r);
    if (!r.ok || n == 0 || n > TSS_BATCH_MAX) {
        return MPC_ERR_BATCH_MALFORMED;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t l = tss_rd_u32(&r);
        const uint8_t *e = tss_rd_bytes(&r, l);
        if (e == NULL) {
            return MPC_ERR_BATCH_MALFORMED;
        }
        if (i == want) {
            *p = e;
            *len = l;
        }
    }
    *count = n;
    return tss_rd_done(&r) ? MPC_OK : MPC_ERR_BATCH_MALFORMED;
}

mpc_status
tss_batch_result_entry(const uint8_t *res, size_t res_len, uint32_t i, const uint8_t **p,
                       size_t *len)
{
    if (p != NULL) {
        *p = NULL;
    }
    if (len != NULL) {
        *len = 0;
    }
    if (res == NULL || p == NULL || len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint32_t n = 0;
    const uint8_t *e = NULL;
    size_t l = 0;
    mpc_status st = result_walk(res, res_len, i, &n, &e, &l);
    if (st != MPC_OK || i >= n) {
        return MPC_ERR_BATCH_MALFORMED;
    }
    *p = e;
    *len = l;
    return MPC_OK;
}

uint32_t
tss_batch_result_count(const uint8_t *res, size_t res_len)
{
    uint32_t n = 0;
    const uint8_t *e = NULL;
    size_t l = 0;
    if (res == NULL || result_walk(res, res_len, TSS_BATCH_NO_INSTANCE, &n, &e, &l) != MPC_OK) {
        return 0;
    }
    return n;
}

/* Packed size of k entries of at most `inner` bytes each (0 if inner is 0). */
static size_t
packed_len(size_t inner, uint32_t k)
{
    return inner == 0 ? 0 : TSS_BATCH_MSG_HEAD + (size_t)k * (4 + inner);
}

uint32_t
tss_batch_max_count(const tss_protocol *inner, uint32_t n, size_t ceiling)
{
    size_t worst = 0;
    for (uint32_t r = 1; r <= 16; r++) {
        for (int bc = 0; bc < 2; bc++) {
            size_t m = tss_proto_max_msg_len(inner, n, r, bc);
            worst = m > worst ? m : worst;
        }
    }
    if (worst == 0 || ceiling < TSS_BATCH_MSG_HEAD) {
        return 0;
    }
    size_t k = (ceiling - TSS_BATCH_MSG_HEAD) / (4 + worst);
    return k > TSS_BATCH_MAX ? TSS_BATCH_MAX : (uint32_t)k;
}

/* sid_i = BLAKE2b-128(domain NUL || sid || u32 i) (batch.h). */
static void
instance_sid(uint8_t out[TSS_SID_LEN], const uint8_t *sid, uint32_t i)
{
    crypto_generichash_state h;
    uint8_t be[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
    crypto_generichash_init(&h, NULL, 0, TSS_SID_LEN);
    crypto_generichash_update(&h, (const uint8_t *)BATCH_DOMAIN, sizeof BATCH_DOMAIN);
    crypto_generichash_update(&h, sid, TSS_SID_LEN);
    crypto_generichash_update(&h, be, sizeof be);
    crypto_generichash_final(&h, out, TSS_SID_LEN);
}

static void
batch_destroy(tss_base *s)
{
    tss_batch *b = (tss_batch *)s;
    for (uint32_t i = 0; b->inst != NULL && i < b->count; i++) {
        tss_proto_destroy(b->inst[i]);
    }
    for (uint32_t i = 0; b->scratch != NULL && i < b->count; i++) {
        mpc_outbox_clear(&b->scratch[i]);
    }
    free(b->inst);
    free(b->scratch);
    free(b->entry);
    free(b->entry_len);
    tss_base_free(&b->b);
    mpc_wipe(b, sizeof *b);
    free(b);
}

/* Creates the instances from the input's entries. */
static mpc_status
batch_make_instances(tss_batch *b, const tss_params *p)
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    uint8_t ver = tss_rd_u8(&r);
    uint16_t count = tss_rd_u16(&r);
    if (!r.ok || ver != TSS_BATCH_INPUT_VERSION || count == 0 || count > TSS_BATCH_MAX) {
        return MPC_ERR_MSG_MALFORMED;
    }
    b->inst = calloc(count, sizeof *b->inst);
    b->scratch = calloc(count, sizeof *b->scratch);
    b->entry = calloc(count, sizeof *b->entry);
    b->entry_len = calloc(count, sizeof *b->entry_len);
    if (b->inst == NULL || b->scratch == NULL || b->entry == NULL || b->entry_len == NULL) {
        return MPC_ERR_NOMEM;
    }
    b->count = count;
    mpc_status st = MPC_OK;
    for (uint32_t i = 0; st == MPC_OK && i < count; i++) {
        mpc_outbox_init(&b->scratch[i]);
        uint32_t len = tss_rd_u32(&r);
        const uint8_t *in = tss_rd_bytes(&r, len);
        if (in == NULL || len == 0) {
            return MPC_ERR_MSG_MALFORMED;
        }
        uint8_t sid[TSS_SID_LEN];
        instance_sid(sid, p->sid, i);
        tss_params ip = *p;
        ip.sid = sid;
        ip.input = in;
        ip.input_len = len;
        st = b->inner->create(&b->inst[i], &ip);
    }
    if (st == MPC_OK && !tss_rd_done(&r)) {
        st = MPC_ERR_MSG_MALFORMED;
    }
    return st;
}

mpc_status
tss_batch_create(tss_base **out, const tss_params *p, const tss_protocol *outer,
                 const tss_protocol *inner)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || p == NULL || outer == NULL || inner == NULL || p->sid == NULL ||
        p->input == NULL || p->self >= p->n_parties) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_batch *b = tss_base_alloc(sizeof *b, outer, p);
    if (b == NULL) {
        return MPC_ERR_NOMEM;
    }
    b->magic = BATCH_MAGIC;
    b->inner = inner;
    b->failed_instance = TSS_BATCH_NO_INSTANCE;
    return tss_base_created(&b->b, batch_make_instances(b, p), out);
}

/* Records the failure of instance i (its status, culprit, dispute). */
static mpc_status
batch_fail_instance(tss_batch *b, uint32_t i, mpc_status st)
{
    if (b->b.failed == MPC_OK) {
        b->failed_instance = i;
    }
    return tss_base_fail_inner(&b->b, st, b->inst[i]);
}

static void
batch_scratch_clear(tss_batch *b)
{
    for (uint32_t i = 0; i < b->count; i++) {
        mpc_outbox_clear(&b->scratch[i]);
    }
}

/* Packs message j of every scratch outbox into one message of out. */
static mpc_status
batch_pack_one(tss_batch *b, size_t j, mpc_outbox *out)
{
    const mpc_out_msg *m0 = &b->scratch[0].msgs[j];
    size_t len = TSS_BATCH_MSG_HEAD;
    int bound = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        const mpc_out_msg *m = &b->scratch[i].msgs[j];
        if (m->round != m0->round || m->to != m0->to || m->len > UINT32_MAX) {
            return tss_base_fail(&b->b, MPC_ERR_BATCH_DIVERGED, TSS_NO_CULPRIT);
        }
        len += 4 + m->len;
        bound |= m->pair_bound;
    }
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf == NULL) {
        return tss_base_fail(&b->b, MPC_ERR_NOMEM, TSS_NO_CULPRIT);
    }
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_msg_header(&w, TSS_BATCH_MSG_TYPE);
    tss_wr_u16(&w, (uint16_t)b->count);
    for (uint32_t i = 0; i < b->count; i++) {
        tss_wr_u32(&w, (uint32_t)b->scratch[i].msgs[j].len);
        tss_wr_bytes(&w, b->scratch[i].msgs[j].data, b->scratch[i].msgs[j].len);
    }
    mpc_status st = mpc_outbox_add_owned(out, m0->round, m0->to, &buf, len);
    if (st == MPC_OK && bound) {
        st = mpc_outbox_mark_pair_bound(out);
    }
    mpc_secure_free(buf); /* NULL once owned by out */
    return st == MPC_OK ? MPC_OK : tss_base_fail(&b->b, st, TSS_NO_CULPRIT);
}

/*
 * After every instance took a step: checks lock-step (same round, done flag
 * and message count), packs the scratch outboxes into out and mirrors the
 * round of instance 0.
 */
static mpc_status
batch_after_step(tss_batch *b, mpc_outbox *out)
{
    uint32_t round = tss_proto_current_round(b->inst[0]);
    int done = tss_proto_is_done(b->inst[0]);
    size_t n_msgs = b->scratch[0].n;
    mpc_status st = MPC_OK;
    for (uint32_t i = 1; i < b->count; i++) {
        if (tss_proto_current_round(b->inst[i]) != round || tss_proto_is_done(b->inst[i]) != done ||
            b->scratch[i].n != n_msgs) {
            st = tss_base_fail(&b->b, MPC_ERR_BATCH_DIVERGED, TSS_NO_CULPRIT);
        }
    }
    for (size_t j = 0; st == MPC_OK && j < n_msgs; j++) {
        st = batch_pack_one(b, j, out);
    }
    batch_scratch_clear(b);
    if (st != MPC_OK) {
        return st;
    }
    b->b.round = round;
    b->b.done = done;
    return MPC_OK;
}

static mpc_status
batch_start(tss_base *s, mpc_outbox *out)
{
    tss_batch *b = (tss_batch *)s;
    for (uint32_t i = 0; i < b->count; i++) {
        mpc_status st = tss_proto_start(b->inst[i], &b->scratch[i]);
        if (st != MPC_OK) {
            batch_scratch_clear(b);
            return batch_fail_instance(b, i, st);
        }
    }
    return batch_after_step(b, out);
}

/* Splits a packed message into b->entry[]; every check before any instance sees it. */
static mpc_status
batch_unpack(tss_batch *b, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
             size_t len)
{
    size_t max = tss_proto_max_msg_len(b->inner, b->b.n, round, is_broadcast);
    tss_rd r;
    tss_rd_init(&r, data, len);
    uint8_t ver = tss_rd_u8(&r);
    uint8_t type = tss_rd_u8(&r);
    uint16_t count = tss_rd_u16(&r);
    if (!r.ok || ver != TSS_MSG_VERSION || type != TSS_BATCH_MSG_TYPE || count != b->count ||
        max == 0) {
        return tss_base_fail(&b->b, MPC_ERR_BATCH_MALFORMED, from);
    }
    for (uint32_t i = 0; i < b->count; i++) {
        uint32_t l = tss_rd_u32(&r);
        b->entry[i] = l <= max ? tss_rd_bytes(&r, l) : NULL;
        b->entry_len[i] = l;
        if (b->entry[i] == NULL) {
            return tss_base_fail(&b->b, MPC_ERR_BATCH_MALFORMED, from);
        }
    }
    return tss_rd_done(&r) ? MPC_OK : tss_base_fail(&b->b, MPC_ERR_BATCH_MALFORMED, from);
}

static mpc_status
batch_handle(tss_base *s, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
             size_t len, mpc_outbox *out)
{
    tss_batch *b = (tss_batch *)s;
    mpc_status st = tss_base_check_msg(&b->b, from, round, data);
    if (st == MPC_OK) {
        st = batch_unpack(b, from, round, is_broadcast, data, len);
    }
    for (uint32_t i = 0; st == MPC_OK && i < b->count; i++) {
        st = tss_proto_handle(b->inst[i], from, round, is_broadcast, b->entry[i], b->entry_len[i],
                              &b->scratch[i]);
        if (st != MPC_OK) {
            batch_scratch_clear(b);
            return batch_fail_instance(b, i, st);
        }
    }
    return st == MPC_OK ? batch_after_step(b, out) : st;
}

static mpc_status
batch_result(tss_base *s, uint8_t **out, size_t *out_len)
{
    tss_batch *b = (tss_batch *)s;
    mpc_status st = tss_base_result_check(&b->b, out, out_len);
    uint8_t **res = st == MPC_OK ? calloc(b->count, sizeof *res) : NULL;
    size_t *lens = st == MPC_OK ? calloc(b->count, sizeof *lens) : NULL;
    st = st != MPC_OK ? st : (res != NULL && lens != NULL ? MPC_OK : MPC_ERR_NOMEM);
    size_t total = 2;
    for (uint32_t i = 0; st == MPC_OK && i < b->count; i++) {
        st = tss_proto_result(b->inst[i], &res[i], &lens[i]);
        total += 4 + lens[i];
    }
    uint8_t *buf = st == MPC_OK ? mpc_secure_alloc(total) : NULL;
    st = st != MPC_OK ? st : (buf != NULL ? MPC_OK : MPC_ERR_NOMEM);
    if (st == MPC_OK) {
        tss_wr w;
        tss_wr_init(&w, buf, total);
        tss_wr_u16(&w, (uint16_t)b->count);
        for (uint32_t i = 0; i < b->count; i++) {
            tss_wr_u32(&w, (uint32_t)lens[i]);
            tss_wr_bytes(&w, res[i], lens[i]);
        }
        *out = buf;
        *out_len = total;
    }
    for (uint32_t i = 0; res != NULL && i < b->count; i++) {
        mpc_secure_free(res[i]);
    }
    free(res);
    free(lens);
    return st;
}

uint32_t
tss_batch_failed_instance(const tss_base *s)
{
    const tss_batch *b = batch_of((tss_base *)s);
    return b != NULL ? b->failed_instance : TSS_BATCH_NO_INSTANCE;
}

uint32_t
tss_batch_count(const tss_base *s)
{
    const tss_batch *b = batch_of((tss_base *)s);
    return b != NULL ? b->count : 0;
}

tss_base *
tss_batch_instance(tss_base *s, uint32_t i)
{
    tss_batch *b = batch_of(s);
    return b != NULL && i < b->count ? b->inst[i] : NULL;
}

/* ---------------------------------------------------------------- the two tables */

static mpc_status
frost_batch_create(tss_base **out, const tss_params *p)
{
    return tss_batch_create(out, p, &tss_proto_frost_sign_batch, &tss_proto_frost_sign);
}

static size_t
frost_batch_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return packed_len(tss_proto_max_msg_len(&tss_proto_frost_sign, n, round, is_broadcast),
                      TSS_BATCH_MAX);
}

const tss_protocol tss_proto_frost_sign_batch = {.name = "frost-sign-batch",
                                                 .create = frost_batch_create,
                                                 .start = batch_start,
                                                 .handle = batch_handle,
                                                 .result = batch_result,
                                                 .destroy = batch_destroy,
                                                 .max_msg_len = frost_batch_max_msg_len};

static mpc_status
dkls_batch_create(tss_base **out, const tss_params *p)
{
    return tss_batch_create(out, p, &tss_proto_dkls_sign_batch, &tss_proto_dkls_sign);
}

static size_t
dkls_batch_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return packed_len(tss_proto_max_msg_len(&tss_proto_dkls_sign, n, round, is_broadcast),
                      TSS_BATCH_MAX);
}

const tss_protocol tss_proto_dkls_sign_batch = {.name = "dkls-sign-batch",
                                                .create = dkls_batch_create,
                                                .start = batch_start,
                                                .handle = batch_handle,
                                                .result = batch_result,
                                                .destroy = batch_destroy,
                                                .max_msg_len = dkls_batch_max_msg_len};
