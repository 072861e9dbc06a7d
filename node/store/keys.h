/*
 * keys.h — the key-version state machine of the key store: the one place
 * that writes shares and keyinfo records (record names in store.h, keyinfo
 * in node/store/keyinfo.h).
 *
 *   create        keygen (v1) or a member joining by reshare: keyinfo with
 *                 one ACTIVE version + its share, refused if the key exists.
 *   add_pending   reshare step 1: share of version max+1 + keyinfo naming it
 *                 PENDING, after making room (the oldest RETIRED version and
 *                 its share go when the table is full).
 *   activate      reshare step 2: PENDING -> ACTIVE, the previous ACTIVE ->
 *                 RETIRED, and every RETIRED share deleted, its bytes
 *                 wiped from the store file.
 *   sign_version  the version a sign uses: the ACTIVE one, only; none while
 *                 a version is PENDING (MPC_ERR_KEY_PENDING).
 *   commit_pending / resolve   activation across nodes (keys_pending.c,
 *                 "Pending activation" below).
 *
 * Why retired shares go for both key types: a member removed by a reshare
 * still holds its old share; if old versions could sign, the old committee
 * (removed members included) would keep signing power after the reshare.
 *   share_get / share_rewrite   read a share; rewrite it in one transaction.
 *   commit        what a finished keygen / reshare leaves: every key type's
 *                 share + keyinfo AND the request-log entry req/<id>, in ONE
 *                 transaction (docs/DESIGN.md "Key activation"): after a
 *                 crash the node either holds the key and the answer it
 *                 gave, or neither.
 *
 * Every function runs in one store transaction: a crash leaves either the
 * state before or the state after, never a share without its keyinfo. The
 * daemon never composes store transactions itself.
 *
 * THREAD SAFETY: as store.h: any thread; writes serialise in LMDB. A thread
 * holding a node_store_txn must not call these.
 */
#ifndef MPC_NODE_STORE_KEYS_H
#define MPC_NODE_STORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/keyinfo.h"
#include "node/store/store.h"

/* A version's committee: who holds shares and how many must sign. Borrowed. */
struct node_store_committee {
    uint32_t threshold;     /* k, 2 <= k <= n */
    const char *const *ids; /* n node ids, valid and unique */
    size_t n;               /* 1..NODE_STORE_KEYINFO_MAX_PARTIES */
};

/*
 * Stores a new key: keyinfo/<type>/<wallet> with one ACTIVE version and
 * share/<type>/<wallet>/v<version>, in one transaction.
 * In: pk[0..pk_len) group public key; version >= 1; c the committee;
 *     share[0..share_len), share_len >= 1.
 * Returns: MPC_OK; MPC_ERR_EXISTS (the wallet already has a key of this
 *          type: nothing written); MPC_ERR_INVALID_ARG (bad wallet, type,
 *          committee, pk or share); MPC_ERR_CORRUPT; MPC_ERR_STORE;
 *          MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_keys_create(node_store *s, int key_type, const char *wallet,
                                                 const uint8_t *pk, size_t pk_len, uint32_t version,
                                                 const struct node_store_committee *c,
                                                 const uint8_t *share, size_t share_len);

/*
 * Reshare step 1: adds version (highest known + 1) as PENDING with its share,
 * in one transaction; when the version table is full the oldest RETIRED
 * version and its share are dropped first.
 * In: seen_active — the active version the reshare started from; if the
 *     keyinfo's highest version is lower, the keyinfo went backwards.
 * Out: *version — the new version number (0 on failure).
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (no key); MPC_ERR_STORE (table full of
 *          non-retired versions, keyinfo went backwards, LMDB error);
 *          MPC_ERR_INVALID_ARG; MPC_ERR_CORRUPT; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_keys_add_pending(node_store *s, int key_type,
                                                      const char *wallet, uint32_t seen_active,
                                                      const struct node_store_committee *c,
                                                      const uint8_t *share, size_t share_len,
                                                      uint32_t *version);

/*
 * Reshare step 2: makes PENDING version ACTIVE and the previously ACTIVE one
 * RETIRED, and deletes the share of every RETIRED version in the same
 * transaction (the version entries stay, without secrets, so a request
 * naming one gets MPC_ERR_KEY_VERSION_RETIRED). For secp256k1 the share
 * record holds the OT setups (spec §7): they go with it. A node removed from
 * the committee thus loses its share of the old version here; what it keeps
 * of the new version is the public-only record. After the commit the
 * deleted shares' record keys are zeroed (node/store/keyring.h), so their
 * sealed bytes left in LMDB free pages no longer open; only a share of an
 * older store format makes it compact (node_store_compact_if_due). The
 * caller must hold no txn.
 * Returns: MPC_OK (also when version is already ACTIVE; a failed erase or
 *          compaction is logged, not returned: the activation is committed);
 *          MPC_ERR_NOT_FOUND (no key, or no such version);
 *          MPC_ERR_INVALID_ARG (version is RETIRED, or bad arguments);
 *          MPC_ERR_CORRUPT; MPC_ERR_STORE.
 */
MPC_MUST_CHECK mpc_status node_store_keys_activate(node_store *s, int key_type, const char *wallet,
                                                   uint32_t version);

/*
 * Resolves the version a sign uses: the ACTIVE one. requested is 0 (the
 * active version) or must name the active version.
 * Out: *ki — cleared on entry; the key's keyinfo. *version — the version.
 *      Both cleared on failure.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (no key);
 *          MPC_ERR_KEY_VERSION_RETIRED (requested is older than the active
 *          version: replaced by a reshare, it signs no more);
 *          MPC_ERR_KEY_PENDING (a version is PENDING: with requested 0, or
 *          requested naming it or a later one; retry once it is resolved);
 *          MPC_ERR_REQ_INVALID (requested is unknown);
 *          MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_keys_sign_version(node_store *s, int key_type,
                                                       const char *wallet, uint32_t requested,
                                                       struct node_store_keyinfo *ki,
                                                       uint32_t *version);

/*
 * Reads share/<type>/<wallet>/v<version>.
 * Out: *out — cleared on entry; secure memory (caller frees with
 *      mpc_secure_free); *out_len.
 * Returns: as node_store_get (MPC_ERR_NOT_FOUND when there is no share).
 */
MPC_MUST_CHECK mpc_status node_store_keys_share_get(node_store *s, int key_type, const char *wallet,
                                                    uint32_t version, uint8_t **out,
                                                    size_t *out_len);

/*
 * Computes an updated share from the stored one. rec is borrowed for the
 * call; *upd is secure memory the store frees with mpc_secure_free.
 */
typedef mpc_status (*node_store_share_rewrite_fn)(void *ctx, const uint8_t *rec, size_t len,
                                                  uint8_t **upd, size_t *upd_len);

/*
 * Reads share v, passes it to fn and stores fn's result in its place, in one
 * transaction (nothing is written if fn fails).
 * Returns: MPC_OK; fn's status; MPC_ERR_NOT_FOUND; MPC_ERR_STORE;
 *          MPC_ERR_CORRUPT; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_keys_share_rewrite(node_store *s, int key_type,
                                                        const char *wallet, uint32_t version,
                                                        node_store_share_rewrite_fn fn, void *ctx);

/*
 * Deletes the share of every RETIRED version of every key (a store written
 * before retired shares were deleted at activation still holds them), makes
 * every share of the older format erasable (node_store_erasable_migrate),
 * zeroes the record keys no share names (node_store_erasable_sweep: a crash
 * between a commit and its key write or erase), then compacts the store
 * (node_store_compact) so no format-1 share's bytes remain in free pages.
 * For a quiescent point: the daemon runs it at startup.
 * Returns: MPC_OK; MPC_ERR_CORRUPT (a keyinfo that does not decode);
 *          as node_store_compact; MPC_ERR_STORE; MPC_ERR_INVALID_ARG; the
 *          keyring's errors.
 */
MPC_MUST_CHECK mpc_status node_store_keys_purge_retired(node_store *s);

/* One key written by node_store_keys_commit. Pointers borrowed for the call. */
struct node_store_key_write {
    int key_type;                         /* enum node_store_key_type */
    const char *wallet;                   /* wallet id */
    int reshare;                          /* 0: new key (keygen, or joining by reshare);
                                             1: next version of an existing key */
    const uint8_t *pk;                    /* group public key (new key) */
    size_t pk_len;                        /* its length */
    uint32_t seen_active;                 /* reshare: the version it started from */
    const struct node_store_committee *c; /* the version's committee */
    const uint8_t *share;                 /* the share record */
    size_t share_len;                     /* its length, >= 1 */
    uint32_t version;                     /* new key: in (>= 1); reshare: out, the new
                                             version (highest known + 1) */
    int pending;                          /* set by the commit functions: 1 writes the
                                             version PENDING (node_store_keys_commit_pending) */
};

/*
 * Builds the request-log entry once the versions are known (called inside the
 * transaction, after every key write; w[i].version are final).
 * Out: *entry malloc'ed (the store frees it with free()), *len, *outcome.
 */
typedef mpc_status (*node_store_req_entry_fn)(void *ctx, const struct node_store_key_write *w,
                                              size_t n, mpc_status *outcome, uint8_t **entry,
                                              size_t *len);

/*
 * In ONE transaction: for each w[i], a new key (as node_store_keys_create:
 * one ACTIVE version) or a reshare's next version (made ACTIVE at once, the
 * previous ACTIVE RETIRED, with drop_retired every RETIRED share wiped); then req/<request_id>
 * with the entry fn builds. Nothing is written unless everything is.
 * Returns: MPC_OK; MPC_ERR_EXISTS (a new key's wallet already has a key of
 *          that type); MPC_ERR_NOT_FOUND (reshare of an unknown key); fn's
 *          status; as node_store_keys_create / _add_pending otherwise.
 */
MPC_MUST_CHECK mpc_status node_store_keys_commit(node_store *s, struct node_store_key_write *w,
                                                 size_t n, const char *request_id,
                                                 node_store_req_entry_fn fn, void *ctx);

/*
 * Pending activation (docs/DESIGN.md §8.1, node/keyconfirm.h; keys_pending.c).
 * A keygen/reshare across nodes is committed PENDING: the new version is
 * written in state PENDING (a new key: a keyinfo whose only version is
 * PENDING, active version 0; a reshare: the previous version stays ACTIVE),
 * the request-log entry is written with outcome MPC_ERR_KEY_PENDING (its
 * Results are those to publish once activated), and a marker
 * pend/<request_id> (u8 state | u64be deadline, wall ms) names the request
 * for the resolver, all in one transaction. node_store_keys_resolve then
 * activates or discards every key of the request and writes the final
 * request-log entry in one transaction, leaving the marker in state PUBLISH
 * until the results are out (node_store_keys_pending_done).
 */
#define NODE_STORE_PENDING_PREFIX    "pend/"
#define NODE_STORE_PENDING_RESOLVING 1u /* keys PENDING: confirmations being collected */
#define NODE_STORE_PENDING_PUBLISH   2u /* resolved: the final results are to be published */

/*
 * As node_store_keys_commit, but every w[i] is written PENDING, the entry's
 * outcome is what fn returns (the caller makes it MPC_ERR_KEY_PENDING) and
 * the marker pend/<request_id> records deadline_ms (wall ms, > 0).
 * Returns: as node_store_keys_commit; MPC_ERR_INVALID_ARG (n == 0, deadline 0).
 */
MPC_MUST_CHECK mpc_status node_store_keys_commit_pending(node_store *s,
                                                         struct node_store_key_write *w, size_t n,
                                                         const char *request_id,
                                                         uint64_t deadline_ms,
                                                         node_store_req_entry_fn fn, void *ctx);

/* One key of a request and what becomes of it. Pointers borrowed for the call. */
struct node_store_key_verdict {
    int key_type;       /* enum node_store_key_type */
    const char *wallet; /* wallet id */
    uint32_t version;   /* the PENDING version */
    int activate;       /* 1: PENDING -> ACTIVE (previous ACTIVE -> RETIRED, retired shares
                           wiped); 0: discarded (version and share wiped; a new key loses
                           its keyinfo) */
};

/*
 * In ONE transaction: applies v[0..n) (an already ACTIVE version stays so; a
 * discarded version already gone is fine), writes req/<request_id> with
 * outcome and entry[0..len), and sets the marker to PUBLISH.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (activating a version that is absent);
 *          MPC_ERR_INVALID_ARG (activating a RETIRED version, bad arguments);
 *          MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_STORE_FULL; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_keys_resolve(node_store *s, const char *request_id,
                                                  const struct node_store_key_verdict *v, size_t n,
                                                  mpc_status outcome, const uint8_t *entry,
                                                  size_t len);

/*
 * The REDO verdict (node/keyconfirm.h, docs/DESIGN.md §4.4): in ONE
 * transaction, discards every v[i] (activate must be 0; a version already
 * gone is fine), writes req/<request_id> with outcome
 * MPC_ERR_KEY_ATTEMPT_DISCARDED and entry[0..len) (never published: a
 * redelivery runs the request again) and deletes the marker.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (an activating verdict, bad
 *          arguments); MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_STORE_FULL.
 */
MPC_MUST_CHECK mpc_status node_store_keys_retract(node_store *s, const char *request_id,
                                                  const struct node_store_key_verdict *v, size_t n,
                                                  const uint8_t *entry, size_t len);

/*
 * Lists the request ids with a marker. Out: *ids, *n as node_store_list
 * (free with node_store_names_free), the prefix removed.
 */
MPC_MUST_CHECK mpc_status node_store_keys_pending_list(node_store *s, char ***ids, size_t *n);

/*
 * Reads the marker of request_id. Out: *state (NODE_STORE_PENDING_*), *deadline_ms.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND; MPC_ERR_CORRUPT; as node_store_get.
 */
MPC_MUST_CHECK mpc_status node_store_keys_pending_get(node_store *s, const char *request_id,
                                                      uint8_t *state, uint64_t *deadline_ms);

/* Deletes the marker of request_id (its results are published). Returns: MPC_OK
 * (also if absent); MPC_ERR_STORE; MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status node_store_keys_pending_done(node_store *s, const char *request_id);

#endif /* MPC_NODE_STORE_KEYS_H */
