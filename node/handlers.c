/*
 * handlers.c — request handlers per key type: what a keygen, sign or reshare
 * needs before its session starts (prepare, on the intake thread) and what it
 * reports and stores after (finish, on the finisher thread).
 *
 * Everything that differs between key types (protocols, input encoding,
 * result decoding, record codecs) is in the tss/keytype.h table; this file
 * only maps the wire key type to it. A type with a NULL protocol answers
 * MPC_ERR_UNSUPPORTED.
 *
 * Key versions (node/store/keyinfo.h): keygen creates v1 ACTIVE; a reshare
 * adds v(max+1) ACTIVE and makes the previous version RETIRED. Either is one
 * store transaction together with the request-log entry
 * (node_store_keys_commit, called by the finisher, docs/DESIGN.md §8.1): a
 * crash leaves the key and its logged answer, or neither. The reshare result
 * exists only after the protocol's confirmation round (every member's
 * transcript hash matched) succeeded on this node. Only the ACTIVE version
 * signs (a sign naming an older one gets MPC_ERR_KEY_VERSION_RETIRED), and the
 * committing transaction deletes the retired shares of both key types (for
 * secp256k1 with their OT setups, spec §7; the store is then compacted), so a
 * member removed by the reshare keeps no signing power.
 *
 * ECDSA specifics: keygen input names the wallet (bound into the DKLs
 * contexts); sign requests carry a 32-byte digest (intake rejects other
 * lengths); the result is r, s (low-S), recovery id and r || s || v, verified
 * and recovered with libsecp256k1 inside the protocol before it is returned.
 * Quarantine (spec §4.3): a sign failing with MPC_ERR_OT_CHECK makes the
 * finisher rewrite the key record with the culprit flagged
 * (node_handler_failed); the protocol then refuses any sign with that peer
 * (MPC_ERR_QUARANTINED, before sending anything) until a reshare replaces the
 * record. A node joining a committee by reshare without a record learns the
 * public data from signed key claims (node/keyclaim.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/presig.h"
#include "node/retry.h"
#include "node/signers.h"
#include "tss/batch.h"
#include "tss/dkls_sign.h"
#include "tss/dkls_signing.h"
#include "tss/frost_tr.h"
#include "tss/keyshare.h"
#include "tss/keytype.h"

#define SJ_FAIL(sj, st, ...) (snprintf((sj)->error_text, sizeof(sj)->error_text, __VA_ARGS__), (st))

/* Key types the node serves: the wire enum -> the tss/ table of that type. */
static const struct {
    int key_type;          /* Mpc__KeyType */
    const tss_keytype *kt; /* its protocols and codecs */
} kt_table[] = {
    {MPC__KEY_TYPE__KEY_TYPE_ED25519, &tss_keytype_ed25519},
    {MPC__KEY_TYPE__KEY_TYPE_SECP256K1, &tss_keytype_secp256k1},
    {MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR, &tss_keytype_secp256k1_tr},
};

void
node_handler_tr_tweak(const Mpc__SignRequest *s, tss_frost_tweak *tw)
{
    memset(tw, 0, sizeof *tw);
    tw->mode = s->taproot_untweaked               ? TSS_FROST_TWEAK_NONE
               : s->taproot_merkle_root.len == 32 ? TSS_FROST_TWEAK_ROOT
                                                  : TSS_FROST_TWEAK_KEYPATH;
    if (tw->mode == TSS_FROST_TWEAK_ROOT) {
        memcpy(tw->root, s->taproot_merkle_root.data, sizeof tw->root);
    }
}

mpc_status
node_handler_tr_output(const Mpc__SignRequest *s, const uint8_t *pk, size_t pk_len, uint8_t out[32])
{
    tss_frost_tweak tw;
    tss_point y;
    memset(out, 0, 32);
    if (pk_len != 33 || tss_group_secp256k1()->point_decode(&y, pk) != MPC_OK) {
        return MPC_ERR_BAD_POINT;
    }
    node_handler_tr_tweak(s, &tw);
    return tss_frost_tr_output_key(&y, &tw, out, NULL);
}

const tss_keytype *
node_handler_find(int key_type)
{
    for (size_t i = 0; i < sizeof kt_table / sizeof kt_table[0]; i++) {
        if (kt_table[i].key_type == key_type) {
            return kt_table[i].kt;
        }
    }
    return NULL;
}

#ifdef MPC_FAULT_INJECTION
/* Test builds only: MPC_NODE_TEST_CHEAT_KOS=1 makes this node a cheating
 * signer in every secp256k1 sign (it flips a bit of t~ in its round-1 KOS
 * messages, TSS_DKLS_SIGN_CHEAT_KOS_TTILDE), so that its peers' KOS checks
 * fail and they quarantine it (integration test of spec §4.3). */
static tss_protocol cheat_dkls_sign;
static pthread_once_t cheat_once = PTHREAD_ONCE_INIT;

/* MPC_NODE_TEST_CHEAT_KOS=2: as Alice it feeds sk_i + 1 to the RVOLE instead
 * (TSS_DKLS_SIGN_CHEAT_RVOLE_SK_PLUS_1): its peers' Γ^v check fails in round 3
 * naming it, with its 40 KB round-2 message in the evidence (more than a
 * Result holds). */
static mpc_status
cheat_sign_create(tss_base **state, const tss_params *p)
{
    mpc_status st = tss_dkls_signing_create(state, p);
    const char *v = getenv("MPC_NODE_TEST_CHEAT_KOS");
    if (st == MPC_OK) {
        tss_dkls_signing_set_cheat(*state, v != NULL && strcmp(v, "2") == 0
                                               ? TSS_DKLS_SIGN_CHEAT_RVOLE_SK_PLUS_1
                                               : TSS_DKLS_SIGN_CHEAT_KOS_TTILDE);
    }
    return st;
}

static void
cheat_init(void)
{
    cheat_dkls_sign = tss_proto_dkls_sign;
    cheat_dkls_sign.create = cheat_sign_create;
}

static const tss_protocol *
fault_sign_table(const struct node_subjob *sj)
{
    const char *v = getenv("MPC_NODE_TEST_CHEAT_KOS");
    if (sj->h->sign == &tss_proto_dkls_sign && v != NULL &&
        (strcmp(v, "1") == 0 || strcmp(v, "2") == 0)) {
        (void)pthread_once(&cheat_once, cheat_init);
        return &cheat_dkls_sign;
    }
    return sj->h->sign;
}
#endif

const tss_protocol *
node_handler_protocol(const struct node_job *job, const struct node_subjob *sj)
{
    if (sj->h == NULL) {
        return NULL;
    }
    switch (job->op) {
    case MPC__OP__OP_KEYGEN:
        return sj->h->keygen;
    case MPC__OP__OP_SIGN:
        if (job->req != NULL && job->req->sign != NULL && job->req->sign->n_messages > 0) {
            return sj->h->sign_batch; /* NULL: this key type signs no batches */
        }
        if (sj->presig_used) {
            return sj->h->sign_online; /* prepare_sign took a presignature */
        }
#ifdef MPC_FAULT_INJECTION
        return fault_sign_table(sj);
#else
        return sj->h->sign;
#endif
    case MPC__OP__OP_RESHARE:
        return sj->h->reshare;
    default:
        return NULL;
    }
}

void
node_subjob_clear(struct node_subjob *sj)
{
    if (sj == NULL) {
        return;
    }
    mpc_secure_free(sj->input);
    mpc_secure_free(sj->result);
    free(sj->ki);
    for (size_t i = 0; i < sj->n_evid; i++) {
        free(sj->evid[i]);
        sj->evid[i] = NULL;
    }
    sj->n_evid = 0;
    sj->input = NULL;
    sj->result = NULL;
    sj->ki = NULL;
}

void
node_subjob_reprepare_clear(struct node_subjob *sj)
{
    mpc_secure_free(sj->input);
    free(sj->ki);
    sj->input = NULL;
    sj->input_len = 0;
    sj->ki = NULL;
    sj->n_parties = 0;
    sj->self = 0;
    sj->error_text[0] = '\0';
    sj->failed_peer[0] = '\0';
    sj->disputed[0][0] = '\0';
    sj->disputed[1][0] = '\0';
    sj->failed_round = 0;
    sj->status = MPC_OK;
    sj->presig_used = 0; /* a retry never uses a pool */
    memset(sj->presig_id, 0, sizeof sj->presig_id);
}

/* ---------------------------------------------------------------- party lists */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends id to sj->parties unless present. Returns 0 when full. */
static int
sj_add_party(struct node_subjob *sj, const char *id)
{
    for (uint32_t i = 0; i < sj->n_parties; i++) {
        if (strcmp(sj->parties[i], id) == 0) {
            return 1;
        }
    }
    if (sj->n_parties >= NODE_STORE_KEYINFO_MAX_PARTIES || strlen(id) > NODE_ID_MAX) {
        return 0;
    }
    snprintf(sj->parties[sj->n_parties], sizeof sj->parties[0], "%s", id);
    sj->party_ptrs[sj->n_parties] = sj->parties[sj->n_parties];
    sj->n_parties++;
    return 1;
}

/* Fills out[] with the listed ids, or with every peer sorted by id when n == 0. */
static size_t
list_or_all_peers(struct node_daemon *d, char *const *ids, size_t n, const char **out, size_t cap)
{
    if (n > 0) {
        for (size_t i = 0; i < n && i < cap; i++) {
            out[i] = ids[i];
        }
        return n < cap ? n : cap;
    }
    size_t k = 0;
    for (size_t i = 0; i < node_config_peers_count(d->peers) && k < cap; i++) {
        out[k++] = node_config_peers_at(d->peers, i)->id;
    }
    qsort(out, k, sizeof out[0], cmp_str);
    return k;
}

/* Sets sj->self; Returns MPC_OK or MPC_ERR_NOT_PARTICIPANT. */
static mpc_status
sj_find_self(struct node_daemon *d, struct node_subjob *sj)
{
    for (uint32_t i = 0; i < sj->n_parties; i++) {
        if (strcmp(sj->parties[i], d->cfg->node_id) == 0) {
            sj->self = i;
            return MPC_OK;
        }
    }
    return MPC_ERR_NOT_PARTICIPANT;
}

static int
version_has(const struct node_store_keyinfo_version *v, const char *id)
{
    for (uint16_t i = 0; i < v->n_participants; i++) {
        if (strcmp(v->participants[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Reads keyinfo into a fresh sj->ki: the key's current record, or for a sign
 * (sign != 0) the record with the version the sign uses resolved into
 * sj->version (node_store_keys_sign_version; requested 0 = the active one).
 * Returns MPC_OK, MPC_ERR_UNKNOWN_WALLET, MPC_ERR_REQ_INVALID, MPC_ERR_STORE. */
static mpc_status
sj_load_keyinfo(struct node_daemon *d, struct node_subjob *sj, const char *wallet, int sign,
                uint32_t requested)
{
    sj->ki = calloc(1, sizeof *sj->ki);
    if (sj->ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = sign ? node_store_keys_sign_version(d->store, sj->key_type, wallet, requested,
                                                        sj->ki, &sj->version)
                         : node_store_keyinfo_get(d->store, sj->key_type, wallet, sj->ki);
    if (st == MPC_ERR_NOT_FOUND) {
        return SJ_FAIL(sj, MPC_ERR_UNKNOWN_WALLET, "no %s key for wallet %s", sj->h->name, wallet);
    }
    for (size_t i = 0; st == MPC_OK && i < sj->ki->n_versions; i++) {
        st = sj->ki->versions[i].state == NODE_STORE_KEY_VERSION_PENDING ? MPC_ERR_KEY_PENDING : st;
    }
    if (st == MPC_ERR_KEY_PENDING) { /* docs/DESIGN.md §8.1: retry once it is resolved */
        return SJ_FAIL(sj, st, "%s key of wallet %s has a version waiting for confirmations",
                       sj->h->name, wallet);
    }
    if (st == MPC_ERR_REQ_INVALID) {
        return SJ_FAIL(sj, st, "key version %u not usable", requested);
    }
    if (st == MPC_ERR_KEY_VERSION_RETIRED) {
        return SJ_FAIL(sj, st,
                       "key version %u was replaced by a reshare: only the active version "
                       "signs",
                       requested);
    }
    if (st != MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "keyinfo unreadable: %s", mpc_status_name(st));
    }
    memcpy(sj->pk, sj->ki->public_key, sj->ki->public_key_len);
    sj->pk_len = sj->ki->public_key_len;
    /* key-state agreement (node/keystate_node.c): divergent, rolled back, share lost */
    st = node_keystate_gate(d, sj->key_type, wallet, sign ? sj->version : sj->ki->active_version);
    if (st != MPC_OK) {
        return SJ_FAIL(sj, st, "%s key of wallet %s refused: %s", sj->h->name, wallet,
                       mpc_status_str(st));
    }
    return MPC_OK;
}

/* Reads the share record of version v (secure memory). */
static mpc_status
sj_load_share(struct node_daemon *d, struct node_subjob *sj, const char *wallet, uint32_t v,
              uint8_t **share, size_t *len)
{
    mpc_status st = node_store_keys_share_get(d->store, sj->key_type, wallet, v, share, len);
    if (st == MPC_ERR_NOT_FOUND) {
        return SJ_FAIL(sj, MPC_ERR_UNKNOWN_WALLET, "no share of %s v%u", wallet, v);
    }
    if (st != MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "share unreadable: %s", mpc_status_name(st));
    }
    return MPC_OK;
}

/* ---------------------------------------------------------------- prepare */

static mpc_status
prepare_keygen(struct node_daemon *d, const Mpc__KeygenRequest *k, struct node_subjob *sj)
{
    const char *ids[NODE_STORE_KEYINFO_MAX_PARTIES];
    struct node_store_keyinfo ki;
    size_t n = list_or_all_peers(d, k->participants, k->n_participants, ids,
                                 NODE_STORE_KEYINFO_MAX_PARTIES);
    for (size_t i = 0; i < n; i++) {
        (void)sj_add_party(sj, ids[i]);
    }
    if (sj_find_self(d, sj) != MPC_OK) {
        return MPC_ERR_NOT_PARTICIPANT;
    }
    mpc_status st = node_store_keyinfo_get(d->store, sj->key_type, k->wallet_id, &ki);
    if (st == MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_EXISTS, "wallet %s already has a %s key", k->wallet_id,
                       sj->h->name);
    }
    if (st != MPC_ERR_NOT_FOUND) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "keyinfo unreadable: %s", mpc_status_name(st));
    }
    sj->threshold = k->threshold;
    sj->version = 1;
    if (sj->h->keygen_input != NULL) {
        return sj->h->keygen_input(&sj->input, &sj->input_len, k->wallet_id);
    }
    return MPC_OK;
}

/* A sign naming no signers: `threshold` live holders, the same on every node
 * with the same view (node/signers.h). Out: holders[0..*n) replaced by the set.
 * Returns: MPC_OK; MPC_ERR_NOT_SELECTED (this holder is not in the set). */
static mpc_status
sj_choose_live(struct node_daemon *d, struct node_subjob *sj, uint32_t t, const char **holders,
               size_t *n)
{
    int live[NODE_STORE_KEYINFO_MAX_PARTIES], chosen[NODE_STORE_KEYINFO_MAX_PARTIES];
    uint64_t inc[NODE_STORE_KEYINFO_MAX_PARTIES];
    if (*n < t || t == 0) {
        return MPC_OK; /* too few: refused below with MPC_ERR_BAD_THRESHOLD */
    }
    node_signers_view(d, holders, *n, live, inc);
    for (size_t i = 0; i < *n; i++) {
        for (uint32_t k = 0; k < sj->n_left; k++) {
            live[i] = strcmp(holders[i], sj->left[k]) == 0 ? -1 : live[i]; /* gone from it */
        }
    }
    mpc_status st = node_signers_choose(sj->job->request_id, holders, live, *n, t, chosen);
    if (st != MPC_OK) {
        return st;
    }
    size_t k = 0;
    int self = 0;
    for (size_t i = 0; i < *n; i++) {
        if (chosen[i]) {
            self |= strcmp(holders[i], d->cfg->node_id) == 0;
            holders[k++] = holders[i];
        } else if (strcmp(holders[i], d->cfg->node_id) == 0) {
            snprintf(sj->error_text, sizeof sj->error_text, "not selected: %u live holders sign",
                     t);
        }
    }
    *n = k;
    return self || sj->error_text[0] == '\0' ? MPC_OK : MPC_ERR_NOT_SELECTED;
}

/*
 * The request's derivation path (docs/specs/hd-derivation.md) against the
 * key record: the summed tweak the signers add, the child key and the chain
 * code the result reports. An empty path signs under the key itself.
 * Out: tweak (valid when *has_tweak).
 */
static mpc_status
sj_derive(struct node_subjob *sj, const char *path_text, const uint8_t *share, size_t share_len,
          uint8_t tweak[TSS_SCALAR_BYTES], int *has_tweak)
{
    tss_keyshare *ks = NULL;
    tss_hd_path path;
    tss_hd_xkey root, child;
    uint8_t pk[TSS_POINT_MAX_BYTES];
    *has_tweak = 0;
    int root_only = path_text == NULL || path_text[0] == '\0';
    mpc_status st = root_only ? MPC_OK : tss_hd_path_parse(&path, path_text);
    if (st != MPC_OK) {
        return SJ_FAIL(sj, st, "derivation path refused: %s", mpc_status_str(st));
    }
    if ((st = sj->h->record_keyshare(share, share_len, &ks)) != MPC_OK) {
        return SJ_FAIL(sj, st, "key record does not decode");
    }
    sj->has_chain = ks->has_chain;
    memcpy(sj->chain, ks->chain, sizeof sj->chain);
    ks->g->point_encode(pk, &ks->group_key);
    size_t pk_len = ks->g->point_len;
    tss_curve_id curve = ks->g->id;
    tss_keyshare_destroy(ks);
    if (root_only || path.depth == 0) {
        memcpy(sj->child_pk, pk, pk_len);
        sj->child_pk_len = pk_len;
        return root_only ? MPC_OK : tss_hd_path_format(sj->hd_path, sizeof sj->hd_path, &path);
    }
    if (!sj->has_chain) {
        return SJ_FAIL(sj, MPC_ERR_HD_NO_CHAIN_CODE, "key v%u has no chain code", sj->version);
    }
    st = tss_hd_root(&root, curve, pk, pk_len, sj->chain);
    if (st == MPC_OK) {
        st = tss_hd_derive(&child, tweak, &root, &path);
    }
    if (st == MPC_OK) {
        st = tss_hd_path_format(sj->hd_path, sizeof sj->hd_path, &path);
    }
    if (st != MPC_OK) {
        return SJ_FAIL(sj, st, "derivation failed: %s", mpc_status_str(st));
    }
    memcpy(sj->child_pk, child.key, pk_len);
    sj->child_pk_len = pk_len;
    *has_tweak = 1;
    return MPC_OK;
}

/*
 * A batch whose packed round messages could exceed the session's message
 * ceiling (session_payload_max: 4 MiB envelopes, or the NATS server's
 * max_payload when smaller) for this key type with up to n signers is refused
 * whole (DKLs23: 40 KB per instance and peer in round 2).
 * Returns: MPC_OK; MPC_ERR_UNSUPPORTED (no batch protocol); MPC_ERR_BATCH_TOO_LARGE.
 */
static mpc_status
sj_batch_fits(struct node_daemon *d, struct node_subjob *sj, const Mpc__SignRequest *s, uint32_t n)
{
    if (sj->h->sign_batch == NULL) {
        return SJ_FAIL(sj, MPC_ERR_UNSUPPORTED, "%s signs no batches", sj->h->name);
    }
    size_t ceiling = session_payload_max((size_t)transport_nats_max_payload(d->t_nats));
    uint32_t cap = tss_batch_max_count(sj->h->sign, n < 2 ? 2 : n, ceiling);
    if (s->n_messages > cap) {
        return SJ_FAIL(sj, MPC_ERR_BATCH_TOO_LARGE,
                       "%zu %s messages in one batch: at most %u fit one session message",
                       s->n_messages, sj->h->name, cap);
    }
    return MPC_OK;
}

/*
 * The input of a batch sign (tss/batch.h): one signing input per message, made
 * by the key type's own sign_input, so whatever it binds passes through (the
 * HD tweak of the request's path, or NULL, is the same for every message).
 */
static mpc_status
sj_batch_input(struct node_subjob *sj, const Mpc__SignRequest *s, const uint8_t *share,
               size_t share_len, const uint8_t *tweak)
{
    if (s->n_messages > NODE_CLIENT_RESULT_BATCH_MAX) {
        return MPC_ERR_BATCH_TOO_MANY; /* intake refuses it first */
    }
    uint8_t *in[NODE_CLIENT_RESULT_BATCH_MAX] = {0};
    size_t lens[NODE_CLIENT_RESULT_BATCH_MAX] = {0};
    mpc_status st = MPC_OK;
    for (size_t i = 0; st == MPC_OK && i < s->n_messages; i++) {
        st = sj->h->sign_input(&in[i], &lens[i], share, share_len, s->messages[i].data,
                               s->messages[i].len, sj->party_ptrs, sj->n_parties, tweak);
    }
    if (st == MPC_OK) {
        st = tss_batch_input_encode(&sj->input, &sj->input_len, (const uint8_t *const *)in, lens,
                                    (uint32_t)s->n_messages);
    }
    for (size_t i = 0; i < s->n_messages; i++) {
        mpc_secure_free(in[i]);
    }
    sj->n_batch = st == MPC_OK ? (uint32_t)s->n_messages : 0;
    return st;
}

/*
 * The online part of a single ECDSA sign when pools are on (DESIGN §7
 * "Presignatures"): first attempt only; reads the request's record of the
 * pool of (version, signer set) and makes the dkls-online input (the HD
 * tweak applied online); node_subjob_start takes the record out of the
 * store while the session is held (sj->presig_claim). Sets
 * sj->presig_used on success; otherwise (no pool, record gone, any error)
 * the sign runs dkls-sign. A record taken and then not used is burnt,
 * never reused.
 */
static void
sj_online_input(struct node_daemon *d, struct node_subjob *sj, const Mpc__SignRequest *s,
                const uint8_t *share, size_t share_len, const uint8_t *tweak)
{
    sj->presig_used = 0;
    if (!node_presign_enabled(d) || sj->attempts > 0 || sj->h->sign_online == NULL ||
        s->message.len != 32) {
        return;
    }
    struct node_presig_online_req r = {
        sj->h,          sj->key_type,  s->wallet_id,        sj->version,     share, share_len,
        sj->party_ptrs, sj->n_parties, sj->job->request_id, s->message.data, tweak};
    mpc_status st = node_presig_online_input(d->store, &r, sj->presig_id, &sj->input,
                                             &sj->input_len, &sj->presig_claim);
    sj->presig_used = st == MPC_OK;
    node_presign_note_online(d, sj->presig_used);
    if (st != MPC_OK && st != MPC_ERR_PRESIG_GONE) {
        mpc_log(MPC_LOG_WARN, "node", "presig_online_skipped", "request_id=%s status=%s",
                sj->job->request_id, mpc_status_name(st));
    }
}

static mpc_status
prepare_sign(struct node_daemon *d, const Mpc__SignRequest *s, struct node_subjob *sj)
{
    const char *ids[NODE_STORE_KEYINFO_MAX_PARTIES];
    /* a retry keeps the version its first attempt resolved */
    mpc_status st =
        sj_load_keyinfo(d, sj, s->wallet_id, 1, sj->attempts > 0 ? sj->version : s->key_version);
    if (st != MPC_OK) {
        return st;
    }
    const struct node_store_keyinfo_version *v = node_store_keyinfo_find(sj->ki, sj->version);
    if (s->n_messages > 0 && (st = sj_batch_fits(d, sj, s, v->n_participants)) != MPC_OK) {
        return st; /* before the signer choice: every holder answers the same */
    }
    const char *holders[NODE_STORE_KEYINFO_MAX_PARTIES];
    for (uint16_t i = 0; i < v->n_participants; i++) {
        holders[i] = v->participants[i];
    }
    size_t n = s->n_signers > 0 ? list_or_all_peers(d, s->signers, s->n_signers, ids,
                                                    NODE_STORE_KEYINFO_MAX_PARTIES)
                                : node_kos_avoid(d, sj->key_type, s->wallet_id, sj->version,
                                                 holders, v->n_participants);
    if (s->n_signers == 0 && (st = sj_choose_live(d, sj, v->threshold, holders, &n)) != MPC_OK) {
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = s->n_signers > 0 ? ids[i] : holders[i];
        if (!version_has(v, id)) {
            return SJ_FAIL(sj, MPC_ERR_UNKNOWN_PARTICIPANT, "signer %s holds no share of v%u", id,
                           sj->version);
        }
        (void)sj_add_party(sj, id);
    }
    if (sj->n_parties < v->threshold) {
        return SJ_FAIL(sj, MPC_ERR_BAD_THRESHOLD, "%u signers, threshold %u", sj->n_parties,
                       v->threshold);
    }
    if (sj->h->record_quarantine != NULL) { /* DKLs23 abort for good (node/kos.h) */
        st = node_kos_sign_check(d, sj->key_type, s->wallet_id, sj->version, sj->party_ptrs,
                                 sj->n_parties, sj->error_text, sizeof sj->error_text);
        if (st != MPC_OK) {
            return st;
        }
    }
    if (sj_find_self(d, sj) != MPC_OK) {
        return MPC_ERR_NOT_PARTICIPANT;
    }
    sj->threshold = v->threshold;
    uint8_t *share = NULL;
    size_t share_len = 0;
    uint8_t tweak[TSS_SCALAR_BYTES];
    int has_tweak = 0;
    st = sj_load_share(d, sj, s->wallet_id, sj->version, &share, &share_len);
    if (st == MPC_OK) {
        st = sj_derive(sj, s->derivation_path, share, share_len, tweak, &has_tweak);
    }
    if (st == MPC_OK && sj->h->sign_input_tweak != NULL) { /* Taproot: the request's tweaks */
        tss_frost_tweak tw;
        node_handler_tr_tweak(s, &tw);
        st = s->n_messages > 0 /* the request validation refused it */
                 ? MPC_ERR_TR_PATH_BATCH
                 : sj->h->sign_input_tweak(&sj->input, &sj->input_len, share, share_len,
                                           s->message.data, s->message.len, &tw,
                                           has_tweak ? tweak : NULL);
    } else if (st == MPC_OK && s->n_messages > 0) {
        st = sj_batch_input(sj, s, share, share_len, has_tweak ? tweak : NULL);
    } else if (st == MPC_OK) {
        sj_online_input(d, sj, s, share, share_len, has_tweak ? tweak : NULL);
        st = sj->presig_used ? MPC_OK
                             : sj->h->sign_input(&sj->input, &sj->input_len, share, share_len,
                                                 s->message.data, s->message.len, sj->party_ptrs,
                                                 sj->n_parties, has_tweak ? tweak : NULL);
    }
    mpc_wipe(tweak, sizeof tweak);
    mpc_secure_free(share);
    return st;
}

/* Sets what the reshare result reports: the new committee and threshold. */
static void
sj_set_new_committee(struct node_subjob *sj, uint32_t new_t, const char **ids, size_t n_new)
{
    sj->threshold = new_t;
    sj->out_threshold = new_t;
    sj->n_out_parties = n_new;
    for (size_t i = 0; i < n_new; i++) {
        sj->out_parties[i] = ids[i]; /* request strings or the peer table: live as the job */
    }
}

/* Session parties: the old committee in keyinfo order, then the new members. */
static mpc_status
sj_reshare_parties(struct node_daemon *d, struct node_subjob *sj, const char *const *old,
                   size_t n_old, const char **ids, size_t n_new)
{
    for (size_t i = 0; i < n_old; i++) {
        (void)sj_add_party(sj, old[i]);
    }
    for (size_t i = 0; i < n_new; i++) {
        if (!sj_add_party(sj, ids[i])) {
            return SJ_FAIL(sj, MPC_ERR_REQ_INVALID, "too many parties");
        }
    }
    return sj_find_self(d, sj);
}

/* A new member without a record of the key: learns the public data from the
 * peers' signed claims (node/keyclaim.h) and joins with a public-only record. */
static mpc_status
prepare_join(struct node_daemon *d, const Mpc__ReshareRequest *r, struct node_subjob *sj,
             const char **ids, size_t n_new)
{
    uint8_t *pub = NULL;
    size_t pub_len = 0;
    uint32_t active = 0;
    tss_keyshare *ks = NULL;
    sj->error_text[0] = '\0';
    mpc_status st = node_keyclaim_learn(d, sj, r->wallet_id, &pub, &pub_len, &active, &ks);
    if (st != MPC_OK) {
        return st;
    }
    const char *old[NODE_STORE_KEYINFO_MAX_PARTIES];
    for (uint32_t i = 0; i < ks->n; i++) {
        old[i] = ks->members[i].node_id;
    }
    st = sj_reshare_parties(d, sj, old, ks->n, ids, n_new);
    if (st == MPC_OK) {
        ks->g->point_encode(sj->pk, &ks->group_key);
        sj->pk_len = ks->g->point_len;
        sj->joining = 1;
        sj->version = active; /* the joined version is active + 1 (finish) */
        sj_set_new_committee(sj, r->new_threshold, ids, n_new);
        st = sj->h->reshare_input(&sj->input, &sj->input_len, r->new_threshold, ids,
                                  (uint32_t)n_new, pub, pub_len);
    }
    tss_keyshare_destroy(ks);
    mpc_secure_free(pub);
    return st;
}

static mpc_status
prepare_reshare(struct node_daemon *d, const Mpc__ReshareRequest *r, struct node_subjob *sj)
{
    const char *ids[NODE_STORE_KEYINFO_MAX_PARTIES];
    size_t n_new = list_or_all_peers(d, r->new_participants, r->n_new_participants, ids,
                                     NODE_STORE_KEYINFO_MAX_PARTIES);
    int is_new = 0;
    for (size_t i = 0; i < n_new; i++) {
        is_new |= strcmp(ids[i], d->cfg->node_id) == 0;
    }
    mpc_status st = sj_load_keyinfo(d, sj, r->wallet_id, 0, 0);
    if (st == MPC_ERR_UNKNOWN_WALLET && is_new) {
        return prepare_join(d, r, sj, ids, n_new);
    }
    if (st != MPC_OK) {
        return is_new ? st : MPC_ERR_NOT_PARTICIPANT;
    }
    const struct node_store_keyinfo_version *old =
        node_store_keyinfo_find(sj->ki, sj->ki->active_version);
    if (old == NULL) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "active version missing");
    }
    const char *old_ids[NODE_STORE_KEYINFO_MAX_PARTIES];
    for (uint16_t i = 0; i < old->n_participants; i++) {
        old_ids[i] = old->participants[i];
    }
    st = sj_reshare_parties(d, sj, old_ids, old->n_participants, ids, n_new);
    if (st != MPC_OK) {
        return st;
    }
    sj->version = sj->ki->active_version; /* replaced by the new number in finish */
    sj_set_new_committee(sj, r->new_threshold, ids, n_new);
    uint8_t *share = NULL;
    size_t share_len = 0;
    st = sj_load_share(d, sj, r->wallet_id, sj->ki->active_version, &share, &share_len);
    if (st == MPC_OK) {
        st = sj->h->reshare_input(&sj->input, &sj->input_len, r->new_threshold, ids,
                                  (uint32_t)n_new, share, share_len);
    }
    mpc_secure_free(share);
    return st;
}

mpc_status
node_handler_prepare(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    const Mpc__Request *r = job->req;
    sj->h = node_handler_find(sj->key_type);
    if (sj->h == NULL || node_handler_protocol(job, sj) == NULL) {
        return SJ_FAIL(sj, MPC_ERR_UNSUPPORTED, "%s %s is not supported yet",
                       sj->h != NULL ? sj->h->name : "this key type",
                       node_client_request_op_name(job->op));
    }
    const char *wallet = job->op == MPC__OP__OP_KEYGEN ? r->keygen->wallet_id
                         : job->op == MPC__OP__OP_SIGN ? r->sign->wallet_id
                                                       : r->reshare->wallet_id;
    mpc_status st = node_client_sid_derive(sj->sid, node_client_request_op_name(job->op),
                                           sj->h->name, wallet, job->request_id);
    if (st != MPC_OK) {
        return st;
    }
    switch (job->op) {
    case MPC__OP__OP_KEYGEN:
        st = prepare_keygen(d, r->keygen, sj);
        return st == MPC_OK ? node_retry_key_bind(d, job, sj) : st; /* attempt (retry.h) */
    case MPC__OP__OP_SIGN:
        st = prepare_sign(d, r->sign, sj);
        /* Every node must sign with the same key version (see sid.h), and the
         * same attempt (node/retry.h). */
        st = st == MPC_OK ? node_client_sid_bind_version(sj->sid, sj->version) : st;
        if (st == MPC_OK && sj->presig_used) { /* who chose another record meets nobody */
            st = node_client_sid_bind_presig(sj->sid, sj->presig_id);
        }
        return st == MPC_OK ? node_sign_bind_attempt(d, job, sj) : st;
    default:
        st = prepare_reshare(d, r->reshare, sj);
        return st == MPC_OK ? node_retry_key_bind(d, job, sj) : st;
    }
}
