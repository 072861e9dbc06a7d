/*
 * status.h — the one status enum of mpc-node.
 *
 * Every fallible function returns mpc_status. MPC_OK is 0; every error is
 * non-zero. The numeric values are part of the wire contract (they travel in
 * Result.status_code), so they are fixed here, grouped by the layer that
 * raises them, and never renumbered: add new codes at the end of a group.
 *
 * The table below is the single source of the enum, the symbolic names and
 * the human-readable strings, so the three can never disagree.
 *
 * THREAD SAFETY: all functions are pure and thread-safe.
 */
#ifndef MPC_COMMON_STATUS_H
#define MPC_COMMON_STATUS_H

#include <stddef.h>

/* Marks a function whose returned status must be looked at. */
#define MPC_MUST_CHECK __attribute__((warn_unused_result))

/* X(name, value, description) */
#define MPC_STATUS_TABLE(X)                                                                        \
    X(MPC_OK, 0, "ok")                                                                             \
    /* 1..99: generic */                                                                           \
    X(MPC_ERR_INVALID_ARG, 1, "invalid argument")                                                  \
    X(MPC_ERR_NOMEM, 2, "out of memory")                                                           \
    X(MPC_ERR_INTERNAL, 3, "internal error (broken invariant)")                                    \
    X(MPC_ERR_TIMEOUT, 4, "timed out")                                                             \
    X(MPC_ERR_QUEUE_FULL, 5, "queue full")                                                         \
    X(MPC_ERR_CLOSED, 6, "closed")                                                                 \
    X(MPC_ERR_NOT_FOUND, 7, "not found")                                                           \
    X(MPC_ERR_EXISTS, 8, "already exists")                                                         \
    X(MPC_ERR_IO, 9, "I/O error")                                                                  \
    X(MPC_ERR_CONFIG, 10, "invalid configuration")                                                 \
    X(MPC_ERR_CRYPTO, 11, "cryptographic library failure")                                         \
    X(MPC_ERR_RANDOM, 12, "random number generation failed")                                       \
    X(MPC_ERR_BUFFER_TOO_SMALL, 13, "output buffer too small")                                     \
    X(MPC_ERR_PARSE, 14, "malformed text input")                                                   \
    X(MPC_ERR_SELFTEST, 15, "startup self-test failed")                                            \
    X(MPC_ERR_UNSUPPORTED, 16, "unsupported")                                                      \
    X(MPC_ERR_SECMEM_FOREIGN, 17, "pointer not from the secure allocator")                         \
    X(MPC_ERR_SECMEM_DOUBLE_FREE, 18, "secure memory freed twice")                                 \
    X(MPC_ERR_SECMEM_OVERFLOW, 19, "secure memory written past its end (canary)")                  \
    X(MPC_ERR_RECORD_KEY_ERASED, 26, "record key erased: the sealed record can no longer be read") \
    X(MPC_ERR_KEYRING_CORRUPT, 27, "record-key slot corrupt or of another record")                 \
    /* 100..199: transport */                                                                      \
    X(MPC_ERR_NATS, 100, "NATS client error")                                                      \
    X(MPC_ERR_NOT_CONNECTED, 101, "not connected")                                                 \
    X(MPC_ERR_NO_RESPONDERS, 102, "no responders")                                                 \
    X(MPC_ERR_SUBSCRIBE, 103, "subscription not confirmed by the server")                          \
    X(MPC_ERR_PEER_UNAVAILABLE, 104, "peer unavailable")                                           \
    X(MPC_ERR_BUSY, 105, "receiver busy")                                                          \
    X(MPC_ERR_GONE, 106, "session gone at receiver")                                               \
    X(MPC_ERR_CANCELLED, 107, "cancelled")                                                         \
    X(MPC_ERR_PERMISSION, 108, "permission denied")                                                \
    X(MPC_ERR_JS_REPLICAS, 109, "JetStream cannot provide the configured stream replicas")         \
    X(MPC_ERR_RESULT_UNPUBLISHED, 110,                                                             \
      "result never acknowledged by JetStream within its max age")                                 \
    X(MPC_ERR_JS_SETUP, 111, "JetStream stream/consumer setup still failing at its time bound")    \
    /* 200..299: envelope checks (each rejection has its own code) */                              \
    X(MPC_ERR_MSG_TOO_LARGE, 200, "message too large")                                             \
    X(MPC_ERR_MSG_MALFORMED, 201, "message malformed")                                             \
    X(MPC_ERR_MSG_VERSION, 202, "unsupported envelope version")                                    \
    X(MPC_ERR_MSG_UNKNOWN_SENDER, 203, "message from unknown sender")                              \
    X(MPC_ERR_MSG_BAD_SIGNATURE, 204, "message signature invalid")                                 \
    X(MPC_ERR_MSG_WRONG_RECIPIENT, 205, "message addressed to another node")                       \
    X(MPC_ERR_MSG_WRONG_SESSION, 206, "message for another session")                               \
    X(MPC_ERR_MSG_REPLAY, 207, "message replayed")                                                 \
    X(MPC_ERR_MSG_DECRYPT, 208, "message decryption failed")                                       \
    X(MPC_ERR_MSG_KIND, 209, "unexpected message kind")                                            \
    /* 300..399: session */                                                                        \
    X(MPC_ERR_PROTOCOL, 300, "protocol error")                                                     \
    X(MPC_ERR_FAULT, 301, "hardware fault trapped in session")                                     \
    X(MPC_ERR_SHUTDOWN, 302, "node shutting down")                                                 \
    X(MPC_ERR_DEADLINE, 303, "session deadline exceeded")                                          \
    X(MPC_ERR_IDLE, 304, "session idle timeout")                                                   \
    X(MPC_ERR_BARRIER, 305, "readiness barrier failed")                                            \
    X(MPC_ERR_ADMISSION, 306, "no admission permit")                                               \
    X(MPC_ERR_LOCKED, 307, "key locked by a concurrent reshare")                                   \
    X(MPC_ERR_SESSION_STATE, 308, "operation invalid in session state")                            \
    X(MPC_ERR_PEER_RESTARTED, 309, "peer restarted during the session")                            \
    /* 400..499: cryptographic protocol checks */                                                  \
    X(MPC_ERR_BAD_POINT, 400, "invalid group element")                                             \
    X(MPC_ERR_BAD_SCALAR, 401, "non-canonical or invalid scalar")                                  \
    X(MPC_ERR_IDENTITY_POINT, 402, "identity element where forbidden")                             \
    X(MPC_ERR_BAD_IDENTIFIER, 403, "zero or duplicate participant identifier")                     \
    X(MPC_ERR_BAD_THRESHOLD, 404, "invalid threshold")                                             \
    X(MPC_ERR_BAD_COMMITMENT, 405, "invalid commitment")                                           \
    X(MPC_ERR_BAD_PROOF, 406, "invalid proof of knowledge")                                        \
    X(MPC_ERR_BAD_SHARE, 407, "share inconsistent with commitments")                               \
    X(MPC_ERR_BAD_SIG_SHARE, 408, "invalid signature share")                                       \
    X(MPC_ERR_EQUIVOCATION, 409, "equivocation detected (echo mismatch)")                          \
    X(MPC_ERR_VERIFY_FAILED, 410, "final signature failed verification")                           \
    X(MPC_ERR_TRANSCRIPT, 411, "transcript confirmation mismatch")                                 \
    X(MPC_ERR_OT_CHECK, 412, "OT extension consistency check failed")                              \
    X(MPC_ERR_MUL_CHECK, 413, "multiplication check failed")                                       \
    X(MPC_ERR_QUARANTINED, 414, "peer quarantined")                                                \
    X(MPC_ERR_BAD_GROUP_KEY, 415, "group key mismatch")                                            \
    X(MPC_ERR_NONCE_REUSE, 416, "nonce already used")                                              \
    X(MPC_ERR_QUARANTINE_UNSTORED, 417, "key refuses signing: a quarantine is not yet stored")     \
    X(MPC_ERR_PAIR_QUARANTINED, 418, "signer set contains a quarantined pair")                     \
    X(MPC_ERR_DISPUTED, 419, "blame disputed between two parties (no signed proof)")               \
    X(MPC_ERR_BAD_PK_SHARE, 425, "public key share pk_j inconsistent (DKLs23 zero-sharing)")       \
    X(MPC_ERR_RESHARE_REQUIRED, 426,                                                               \
      "key record lacks zero-sharing seeds: reshare before signing")                               \
    X(MPC_ERR_HD_PATH, 430, "derivation path malformed")                                           \
    X(MPC_ERR_HD_HARDENED, 431, "hardened derivation index refused (public derivation only)")      \
    X(MPC_ERR_HD_INVALID_CHILD, 432, "derivation index yields no valid child key")                 \
    X(MPC_ERR_HD_XPUB, 433, "extended public key malformed")                                       \
    X(MPC_ERR_HD_NO_CHAIN_CODE, 434, "key has no chain code: derivation refused")                  \
    X(MPC_ERR_BATCH_MALFORMED, 435, "batch message malformed (count, lengths or framing)")         \
    X(MPC_ERR_BATCH_DIVERGED, 436, "batch instances left lock-step")                               \
    X(MPC_ERR_TR_TWEAK, 440, "taproot tweak out of range or yields the identity")                  \
    X(MPC_ERR_TR_INPUT, 441, "taproot signing input malformed (tweak mode, root or message)")      \
    X(MPC_ERR_PRESIG_USED, 445, "presignature already used (single use)")                          \
    X(MPC_ERR_PRESIG_MISMATCH, 446,                                                                \
      "presignature made for another key version, signer set or group key")                        \
    X(MPC_ERR_PRESIG_MALFORMED, 447, "presignature record malformed")                              \
    X(MPC_ERR_PRESIG_BINDING, 448,                                                                 \
      "online message bound to another presignature, message or tweak")                            \
    X(MPC_ERR_PRESIG_SET_COMMITTEE, 449,                                                           \
      "presign signer set does not fit the key (size is not its threshold, or a non-holder)")      \
    /* 500..599: requests */                                                                       \
    X(MPC_ERR_REQ_MALFORMED, 500, "request malformed")                                             \
    X(MPC_ERR_REQ_TOO_LARGE, 501, "request too large")                                             \
    X(MPC_ERR_REQ_UNSIGNED, 502, "request not signed")                                             \
    X(MPC_ERR_REQ_BAD_SIGNATURE, 503, "request signature invalid")                                 \
    X(MPC_ERR_REQ_UNKNOWN_INITIATOR, 504, "request signed by unknown initiator")                   \
    X(MPC_ERR_REQ_UNAUTHORIZED, 505, "request lacks required approvals")                           \
    X(MPC_ERR_REQ_INVALID, 506, "request field invalid")                                           \
    X(MPC_ERR_UNKNOWN_WALLET, 507, "unknown wallet")                                               \
    X(MPC_ERR_UNKNOWN_PARTICIPANT, 508, "unknown participant")                                     \
    X(MPC_ERR_DUPLICATE_REQUEST, 509, "duplicate request id")                                      \
    X(MPC_ERR_NOT_PARTICIPANT, 510, "node is not a participant")                                   \
    X(MPC_ERR_EXPIRED, 511, "request expired")                                                     \
    X(MPC_ERR_KEY_VERSION_RETIRED, 512, "key version retired: only the active version signs")      \
    X(MPC_ERR_REQ_NO_APPROVALS, 513, "request carries no approvals")                               \
    X(MPC_ERR_REQ_APPROVAL_FORGED, 514, "approval signature invalid")                              \
    X(MPC_ERR_REQ_APPROVAL_MISMATCH, 515, "approval made for another request")                     \
    X(MPC_ERR_REQ_STALE, 516, "request created outside the freshness window")                      \
    X(MPC_ERR_REQ_EXPIRY_TOO_LONG, 517, "request expiry beyond the allowed maximum")               \
    X(MPC_ERR_REQ_ID_REUSED, 518, "request id reused with different content")                      \
    X(MPC_ERR_REQ_RATE_LIMITED, 519, "initiator over its request rate")                            \
    X(MPC_ERR_REQ_ZERO_DIGEST, 520, "digest to sign is all zero")                                  \
    X(MPC_ERR_NOT_SELECTED, 521, "holder not selected as a signer (the chosen signers answer)")    \
    X(MPC_ERR_KEY_DIVERGED, 530,                                                                   \
      "key state differs from a committee member's: unused until resolved")                        \
    X(MPC_ERR_KEY_ROLLED_BACK, 531,                                                                \
      "peers hold a newer version of this key (store restored from an older backup)")              \
    X(MPC_ERR_KEY_SHARE_LOST, 532,                                                                 \
      "own share of this version lost by a restore: rejoin by reshare")                            \
    X(MPC_ERR_KEY_ATTEMPT_DISCARDED, 540,                                                          \
      "key of a failed keygen/reshare attempt discarded: the cluster runs another attempt")        \
    /* 600..699: storage and identity */                                                           \
    X(MPC_ERR_STORE, 600, "key store error")                                                       \
    X(MPC_ERR_BAD_PASSPHRASE, 601, "wrong passphrase")                                             \
    X(MPC_ERR_CORRUPT, 602, "record corrupt or tampered")                                          \
    X(MPC_ERR_FILE_MODE, 603, "file readable by others")                                           \
    X(MPC_ERR_STORE_FULL, 604, "key store full (LMDB map size reached)")                           \
    X(MPC_ERR_EVIDENCE_TOO_LARGE, 608, "evidence over the per-request or total budget")            \
    X(MPC_ERR_STORE_IN_USE, 610, "key store open in another process (stop the node first)")        \
    X(MPC_ERR_BACKUP_FORMAT, 611, "not a store backup of a supported format")                      \
    X(MPC_ERR_BACKUP_CORRUPT, 612,                                                                 \
      "store backup fails its integrity check (tampered or truncated)")                            \
    X(MPC_ERR_BACKUP_IDENTITY, 613, "store backup belongs to another node identity")               \
    /* 620..639: key activation across nodes (node/keyconfirm.h) */                                \
    X(MPC_ERR_KEY_PENDING, 620, "key version pending activation: retry later")                     \
    X(MPC_ERR_KEY_DISCARDED, 621, "key discarded: a committee member did not store it")            \
    X(MPC_ERR_KEY_UNCONFIRMED, 622, "key discarded at the deadline without every confirmation")    \
    X(MPC_ERR_CONFIRM_FORGED, 623, "key confirmation signature invalid")                           \
    X(MPC_ERR_CONFIRM_MISMATCH, 624, "key confirmation states another key")                        \
    X(MPC_ERR_CONFIRM_REPLAYED, 625, "key confirmation answers another query")                     \
    X(MPC_ERR_CONFIRM_MALFORMED, 626, "key confirmation malformed")                                \
    /* 640..649: HD derivation across the node (640: raised by tss reshare) */                     \
    X(MPC_ERR_HD_CHAIN_MISMATCH, 640, "old members disagree on the key's chain code")              \
    /* 650..659: batch signing requests (node) */                                                  \
    X(MPC_ERR_BATCH_TOO_MANY, 650, "batch carries more messages than sign.max_batch")              \
    X(MPC_ERR_BATCH_DIGEST_LEN, 651, "batch entry is not a 32-byte digest (nothing signed)")       \
    X(MPC_ERR_BATCH_TOO_LARGE, 652, "batch exceeds the session message ceiling for its key type")  \
    X(MPC_ERR_BATCH_MIXED, 653, "sign request carries both message and messages")                  \
    X(MPC_ERR_BATCH_ENTRY_INVALID, 654, "batch entry empty or too long (nothing signed)")          \
    /* 660..669: Taproot signing requests (node) */                                                \
    X(MPC_ERR_TR_ROOT, 660, "taproot merkle root must be empty or 32 bytes")                       \
    X(MPC_ERR_TR_NOT_TAPROOT, 661, "taproot fields on a key type other than secp256k1-tr")         \
    X(MPC_ERR_TR_UNTWEAKED_ROOT, 662, "taproot_untweaked together with a merkle root")             \
    X(MPC_ERR_TR_MSG, 663, "taproot signing needs a 32-byte message (a BIP341 sighash)")           \
    X(MPC_ERR_TR_PATH_BATCH, 664, "taproot keys sign one message (no batch)")                      \
    /* 670..679: presignatures (node) */                                                           \
    X(MPC_ERR_PRESIG_GONE, 670, "no such presignature (used, discarded or never made)")            \
    X(MPC_ERR_PRESIG_SET_SIZE, 671, "presign.signers: a set needs 2..16 node ids")                 \
    X(MPC_ERR_PRESIG_SET_ID, 672, "presign.signers: invalid or repeated node id, or repeated set") \
    X(MPC_ERR_PRESIG_SET_UNKNOWN, 673, "presign.signers names a node that is not in the peers")    \
    X(MPC_ERR_PRESIG_ORDER_MALFORMED, 674, "presign order malformed")                              \
    X(MPC_ERR_PRESIG_ORDER_SIGNATURE, 675, "presign order not signed by its coordinator")          \
    X(MPC_ERR_PRESIG_ORDER_SENDER, 676,                                                            \
      "presign order from a node that does not coordinate a configured signer set")                \
    X(MPC_ERR_PRESIG_ORDER_REPLAY, 677, "presign order seen before (replay)")                      \
    X(MPC_ERR_PRESIG_ORDER_VERSION, 678, "presign order for a key version that is not active")     \
    X(MPC_ERR_PRESIG_ORDER_EXPIRED, 679, "presign order expired or dated too far ahead")           \
    /* 680..689: key-info queries (node/client/keyquery.h, mpc-cli xpub --wallet) */               \
    X(MPC_ERR_KEYINFO_MALFORMED, 680, "key-info query or reply malformed")                         \
    X(MPC_ERR_KEYINFO_BAD_SIGNATURE, 681, "key-info query signature invalid")                      \
    X(MPC_ERR_KEYINFO_UNKNOWN_CLIENT, 682,                                                         \
      "key-info query from a client that is not an initiator")                                     \
    X(MPC_ERR_KEYINFO_EXPIRED, 683, "key-info query expired, or its expiry is too far off")        \
    X(MPC_ERR_KEYINFO_REPLAYED, 684, "key-info query nonce already answered (replay)")             \
    X(MPC_ERR_KEYINFO_UNKNOWN_KEY, 685, "node holds no active share of that key")                  \
    X(MPC_ERR_KEYINFO_REPLY_FORGED, 686, "key-info reply not signed by the node it names")         \
    X(MPC_ERR_KEYINFO_REPLY_MISMATCH, 687, "key-info reply answers another query or node")         \
    X(MPC_ERR_KEYINFO_DISAGREE, 688, "nodes disagree on the key: nothing printed")                 \
    X(MPC_ERR_KEYINFO_TOO_FEW, 689, "too few nodes confirmed the key (fewer than its threshold)")

/* The number of codes of the table, as a constant expression (array sizes). */
#define MPC_STATUS_PLUS_ONE(name, value, desc) +1
#define MPC_STATUS_COUNT                       (0 MPC_STATUS_TABLE(MPC_STATUS_PLUS_ONE))

typedef enum {
#define MPC_STATUS_ENUM(name, value, desc) name = value,
    MPC_STATUS_TABLE(MPC_STATUS_ENUM)
#undef MPC_STATUS_ENUM
} mpc_status;

/*
 * Returns: a static, human-readable description of st; "unknown status" for
 *          a value that is not in the table. Never NULL.
 */
const char *mpc_status_str(mpc_status st);

/*
 * Returns: the static symbolic name of st ("MPC_ERR_TIMEOUT"); "MPC_ERR_UNKNOWN"
 *          for a value that is not in the table. Never NULL.
 */
const char *mpc_status_name(mpc_status st);

/* Returns: 1 if st is a value of the table, else 0. */
int mpc_status_is_known(int st);

/*
 * Returns: the number of codes in the table; with mpc_status_at() this lets
 *          tests and documentation enumerate every code.
 */
size_t mpc_status_count(void);

/* Returns: the i-th code of the table (0 <= i < mpc_status_count()). */
mpc_status mpc_status_at(size_t i);

#endif /* MPC_COMMON_STATUS_H */
