/*
 * fuzz_proto.c — record an honest protocol run, then replay one party with a
 * peer's message replaced by fuzz bytes (see fuzz_support.h).
 *
 * The recording follows the session manager's contract (session/protocol.h):
 * a message is handed to a party only when its round equals the party's
 * current round, later rounds wait, earlier rounds are dropped. Each call
 * into party i draws from randomness stream i, so the target replayed alone
 * draws the same bytes and the other parties' recorded messages still fit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/outbox.h"
#include "common/secmem.h"
#include "tests/fuzz/support/fuzz_arena.h"
#include "tests/fuzz/support/fuzz_support.h"

#define REC_MAX    4096 /* queued message copies in one recorded run */
#define REC_PASSES 4096 /* bound on delivery passes over the queue */

/* One message copy. */
struct fz_msg {
    uint32_t from;  /* sender party */
    uint32_t to;    /* recipient party */
    uint32_t round; /* round */
    int bc;         /* 1 = broadcast copy */
    int used;       /* delivered or dropped (recording only) */
    uint8_t *data;  /* bytes (malloc) */
    size_t len;     /* length */
};

static const tss_protocol *fz_proto;    /* protocol under test */
static tss_params fz_p[FUZZ_PROTO_MAX]; /* parties' parameters (borrowed) */
static uint32_t fz_n;                   /* parties */
static uint32_t fz_target;              /* replayed party */
static struct fz_msg *fz_q;             /* recorded run's queue */
static size_t fz_nq;                    /* entries in fz_q */
static size_t fz_rec[REC_MAX];          /* fz_q indexes delivered to the target */
static size_t fz_nrec;                  /* entries in fz_rec */

/* The target's state just before recorded message k (fuzz_arena.h). */
struct fz_snap {
    fuzz_arena_snap *heap; /* the target's heap, or NULL: message k is never handled */
    uint64_t rng;          /* its randomness stream position */
    tss_base *s;           /* its state (inside heap) */
};
static struct fz_snap fz_snaps[REC_MAX]; /* per recorded message delivered to the target */

static void
fz_die(const char *what, mpc_status st)
{
    fprintf(stderr, "fuzz: %s: %s: %s\n", fz_proto != NULL ? fz_proto->name : "?", what,
            mpc_status_str(st));
    abort();
}

/* Queues the messages party `from` emitted (broadcasts as one copy per recipient). */
static void
fz_queue(uint32_t from, mpc_outbox *ob)
{
    for (size_t i = 0; i < ob->n; i++) {
        const mpc_out_msg *m = &ob->msgs[i];
        for (uint32_t to = 0; to < fz_n; to++) {
            if (to == from || (m->to != MPC_OUTBOX_ALL && m->to != to)) {
                continue;
            }
            if (fz_nq == REC_MAX) {
                fz_die("queue full", MPC_ERR_NOMEM);
            }
            struct fz_msg *q = &fz_q[fz_nq++];
            *q = (struct fz_msg){.from = from,
                                 .to = to,
                                 .round = m->round,
                                 .bc = m->to == MPC_OUTBOX_ALL,
                                 .len = m->len};
            q->data = malloc(m->len > 0 ? m->len : 1);
            if (q->data == NULL) {
                fz_die("malloc", MPC_ERR_NOMEM);
            }
            memcpy(q->data, m->data, m->len);
        }
    }
    mpc_outbox_clear(ob);
}

/* One pass over the queue; returns 1 if any message was delivered. */
static int
fz_pass(void **st)
{
    int progress = 0;
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    for (size_t i = 0; i < fz_nq; i++) {
        struct fz_msg *m = &fz_q[i];
        uint32_t cr = m->used ? 0 : tss_proto_current_round(st[m->to]);
        if (m->used || m->round > cr) {
            continue;
        }
        m->used = 1;
        if (m->round < cr || cr == 0) {
            continue; /* late: dropped, as the manager does */
        }
        fuzz_rng_select(m->to);
        mpc_status s = tss_proto_handle(st[m->to], m->from, m->round, m->bc, m->data, m->len, &ob);
        if (s != MPC_OK) {
            fz_die("honest run failed", s);
        }
        if (m->to == fz_target) {
            fz_rec[fz_nrec++] = i;
        }
        fz_queue(m->to, &ob);
        progress = 1;
    }
    return progress;
}

static int fz_replay(size_t k, int flip, const uint8_t *bytes, size_t len);
static void fz_snapshots(void);
static int fz_from_snapshot(size_t k, int flip, const uint8_t *bytes, size_t len);

void
fuzz_proto_record(const tss_protocol *proto, const tss_params *p, uint32_t n, uint32_t target)
{
    tss_base *st[FUZZ_PROTO_MAX] = {0};
    mpc_outbox ob;
    fz_proto = proto;
    if (n > FUZZ_PROTO_MAX || target >= n) {
        fz_die("bad setup", MPC_ERR_INVALID_ARG);
    }
    fz_n = n;
    fz_target = target;
    memcpy(fz_p, p, n * sizeof *p);
    fz_q = calloc(REC_MAX, sizeof *fz_q);
    if (fz_q == NULL) {
        fz_die("calloc", MPC_ERR_NOMEM);
    }
    mpc_outbox_init(&ob);
    /* Warm-up on the fixture stream: one-time initialisations (contexts, self-tests)
     * that draw randomness must not run inside party 0's first recorded call only. */
    if (proto->create(&st[0], &p[0]) != MPC_OK || tss_proto_start(st[0], &ob) != MPC_OK) {
        fz_die("warm-up failed", MPC_ERR_PROTOCOL);
    }
    mpc_outbox_clear(&ob);
    tss_proto_destroy(st[0]);
    st[0] = NULL;
    for (uint32_t i = 0; i < n; i++) {
        fuzz_rng_reset(i);
        fuzz_rng_select(i);
        mpc_status s = proto->create(&st[i], &p[i]);
        if (s == MPC_OK) {
            s = tss_proto_start(st[i], &ob);
        }
        if (s != MPC_OK) {
            fz_die("honest start failed", s);
        }
        fz_queue(i, &ob);
    }
    for (int pass = 0; pass < REC_PASSES && fz_pass(st); pass++) {
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!tss_proto_is_done(st[i])) {
            fz_die("honest run did not finish", MPC_ERR_PROTOCOL);
        }
        tss_proto_destroy(st[i]);
    }
    fuzz_rng_select(FUZZ_RNG_FIXTURE);
    if (fz_nrec == 0 || fz_nrec > 255) {
        fz_die("recorded message count out of range", MPC_ERR_PROTOCOL);
    }
    /* The replay must be faithful, or the seeds would not reach later rounds. */
    const struct fz_msg *m0 = &fz_q[fz_rec[0]];
    if (!fz_replay(0, 0, m0->data, m0->len)) {
        fz_die("replay of the honest run did not finish", MPC_ERR_PROTOCOL);
    }
    fz_snapshots();
    size_t last = 0, bytes = 0;
    for (size_t k = 0; k < fz_nrec; k++) {
        bytes += fuzz_arena_snap_bytes(fz_snaps[k].heap);
        last = fz_snaps[k].heap != NULL ? k : last;
    }
    const struct fz_msg *ml = &fz_q[fz_rec[last]];
    if (fz_snaps[last].heap == NULL || !fz_from_snapshot(last, 0, ml->data, ml->len)) {
        fz_die("replay from the snapshot of the last message did not finish", MPC_ERR_PROTOCOL);
    }
    fprintf(stderr, "fuzz: %s: %zu messages to the target, %zu snapshot bytes\n", proto->name,
            fz_nrec, bytes);
}

/* Checks the target after a run: culprit in range, a result when done. Returns done. */
static int
fz_check(tss_base *s, mpc_status st)
{
    uint32_t culprit = tss_proto_culprit(s);
    if (culprit != SESSION_NO_CULPRIT && culprit >= fz_n) {
        fz_die("culprit out of range", st);
    }
    int done = tss_proto_is_done(s);
    if (done) {
        uint8_t *res = NULL;
        size_t res_len = 0;
        if (st != MPC_OK || tss_proto_result(s, &res, &res_len) != MPC_OK) {
            fz_die("done but no result", st);
        }
        mpc_secure_free(res);
    }
    return done;
}

/* Hands the target the recorded messages from i on while it runs. */
static mpc_status
fz_feed_from(tss_base *s, size_t i, mpc_outbox *ob)
{
    mpc_status st = MPC_OK;
    for (; i < fz_nrec && st == MPC_OK; i++) {
        const struct fz_msg *m = &fz_q[fz_rec[i]];
        uint32_t cr = tss_proto_current_round(s);
        if (cr == 0) {
            break;
        }
        if (m->round != cr) {
            continue; /* the manager parks or drops it; the run diverged */
        }
        mpc_outbox_clear(ob);
        st = tss_proto_handle(s, m->from, m->round, m->bc, m->data, m->len, ob);
    }
    return st;
}

/* Replays the honest run once with the target's heap in the arena, taking a
 * snapshot before every message it handles. */
static void
fz_snapshots(void)
{
    tss_base *s = NULL;
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    fuzz_arena_reset();
    fuzz_arena_on(1);
    fuzz_rng_reset(fz_target);
    fuzz_rng_select(fz_target);
    if (fz_proto->create(&s, &fz_p[fz_target]) != MPC_OK || tss_proto_start(s, &ob) != MPC_OK) {
        fz_die("target start failed (snapshots)", MPC_ERR_PROTOCOL);
    }
    mpc_outbox_clear(&ob);
    for (size_t i = 0; i < fz_nrec; i++) {
        const struct fz_msg *m = &fz_q[fz_rec[i]];
        uint32_t cr = tss_proto_current_round(s);
        if (cr == 0) {
            break;
        }
        if (m->round != cr) {
            continue; /* never handled: nothing to fuzz at this position */
        }
        fz_snaps[i] = (struct fz_snap){
            .heap = fuzz_arena_snap_take(), .rng = fuzz_rng_get(fz_target), .s = s};
        if (tss_proto_handle(s, m->from, m->round, m->bc, m->data, m->len, &ob) != MPC_OK) {
            fz_die("honest replay failed (snapshots)", MPC_ERR_PROTOCOL);
        }
        mpc_outbox_clear(&ob);
    }
    tss_proto_destroy(s);
    fuzz_arena_on(0);
    if (fuzz_arena_live() != 0) {
        fz_die("the honest run left memory allocated", MPC_ERR_PROTOCOL);
    }
    fuzz_rng_select(FUZZ_RNG_FIXTURE);
}

/* One input against the snapshot before message k. Returns: 1 if the target finished. */
static int
fz_from_snapshot(size_t k, int flip, const uint8_t *bytes, size_t len)
{
    const struct fz_snap *sn = &fz_snaps[k];
    const struct fz_msg *m = &fz_q[fz_rec[k]];
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    fuzz_arena_snap_restore(sn->heap);
    fuzz_rng_set(fz_target, sn->rng);
    fuzz_rng_select(fz_target);
    fuzz_arena_on(1);
    tss_base *s = sn->s;
    mpc_status st = tss_proto_handle(s, m->from, m->round, m->bc ^ flip, bytes, len, &ob);
    if (st == MPC_OK) {
        st = fz_feed_from(s, k + 1, &ob);
    }
    int done = fz_check(s, st);
    mpc_outbox_clear(&ob);
    tss_proto_destroy(s);
    fuzz_arena_on(0);
    if (fuzz_arena_live() != 0) {
        fz_die("a run left memory allocated (leak)", st);
    }
    fuzz_rng_select(FUZZ_RNG_FIXTURE);
    return done;
}

/*
 * Replays the target with recorded message k replaced by bytes[0..len) (its
 * broadcast flag xor flip). Returns: 1 if the target finished.
 */
static int
fz_replay(size_t k, int flip, const uint8_t *bytes, size_t len)
{
    tss_base *s = NULL;
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    fuzz_rng_reset(fz_target);
    fuzz_rng_select(fz_target);
    if (fz_proto->create(&s, &fz_p[fz_target]) != MPC_OK || tss_proto_start(s, &ob) != MPC_OK) {
        fz_die("target start failed", MPC_ERR_PROTOCOL);
    }
    mpc_status st = MPC_OK;
    for (size_t i = 0; i < fz_nrec && st == MPC_OK; i++) {
        const struct fz_msg *m = &fz_q[fz_rec[i]];
        uint32_t cr = tss_proto_current_round(s);
        if (cr == 0) {
            break;
        }
        if (m->round != cr) {
            continue; /* the manager parks or drops it; the run diverged */
        }
        mpc_outbox_clear(&ob);
        if (i == k) {
            st = tss_proto_handle(s, m->from, m->round, m->bc ^ flip, bytes, len, &ob);
        } else {
            st = tss_proto_handle(s, m->from, m->round, m->bc, m->data, m->len, &ob);
        }
    }
    int done = fz_check(s, st);
    mpc_outbox_clear(&ob);
    tss_proto_destroy(s);
    fuzz_rng_select(FUZZ_RNG_FIXTURE);
    return done;
}

int
fuzz_proto_one(const uint8_t *data, size_t size)
{
    if (size >= 2 && fz_nrec > 0) {
        size_t k = data[0] % fz_nrec;
        if (fz_snaps[k].heap != NULL) {
            (void)fz_from_snapshot(k, data[1] & 1, data + 2, size - 2);
        }
    }
    return 0;
}

void
fuzz_proto_seeds(const char *dir)
{
    for (size_t i = 0; i < fz_nrec; i++) {
        const struct fz_msg *m = &fz_q[fz_rec[i]];
        uint8_t head[2] = {(uint8_t)i, 0};
        char name[32];
        snprintf(name, sizeof name, "r%u-from%u-%s-%02zu", m->round, m->from, m->bc ? "b" : "d", i);
        fuzz_seed_write2(dir, name, head, sizeof head, m->data, m->len);
    }
}
