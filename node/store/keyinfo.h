/*
 * keyinfo.h — what a node knows about one of its keys (record
 * keyinfo/<key_type>/<wallet> in the key store): the group public key, the
 * active version, and per version the committee (participants) and threshold.
 *
 * A reshare adds a PENDING version next to the ACTIVE one; when every new
 * member has confirmed (node/keyconfirm.h), the pending version becomes
 * ACTIVE and the old one RETIRED (its share may then be deleted). A keygen
 * writes a keyinfo whose only version is PENDING (active_version 0) until its
 * committee confirmed. Signs keep the version they started
 * with, so a retired version's share may still be read by a running sign.
 *
 * Encoding (format 1, integers little-endian, all lengths bounded):
 *   u8 format = 1 | u8 key_type | u8 pk_len | pk | u32 active_version |
 *   u8 n_versions | n_versions x (u32 version | u8 state | u16 threshold |
 *   u16 n | n x (u8 id_len | id bytes))
 * Decoding rejects anything that does not validate (MPC_ERR_CORRUPT).
 *
 * THREAD SAFETY: pure functions on caller-owned structs, thread-safe.
 */
#ifndef MPC_NODE_STORE_KEYINFO_H
#define MPC_NODE_STORE_KEYINFO_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"

#define NODE_STORE_KEYINFO_FORMAT       1u
#define NODE_STORE_KEYINFO_MAX_PARTIES  64u /* committee size bound */
#define NODE_STORE_KEYINFO_MAX_VERSIONS 4u  /* versions kept at once */
#define NODE_STORE_KEYINFO_PK_MAX       65u /* largest group public key encoding */
/* Upper bound of an encoded keyinfo. */
#define NODE_STORE_KEYINFO_ENCODED_MAX                                                             \
    (8u + NODE_STORE_KEYINFO_PK_MAX +                                                              \
     NODE_STORE_KEYINFO_MAX_VERSIONS * (9u + NODE_STORE_KEYINFO_MAX_PARTIES * (1u + NODE_ID_MAX)))

/* Key types; the values are those of mpc.KeyType in proto/request.proto. */
enum node_store_key_type {
    NODE_STORE_KEY_ED25519 = 1,      /* FROST(Ed25519); 32-byte public key */
    NODE_STORE_KEY_SECP256K1 = 2,    /* DKLs23 ECDSA; 33-byte compressed public key */
    NODE_STORE_KEY_SECP256K1_TR = 3, /* FROST(secp256k1) BIP340 (Taproot); 33-byte group key */
};

/* Lifecycle of one key version. */
enum node_store_key_version_state {
    NODE_STORE_KEY_VERSION_ACTIVE = 1,  /* the version new signs use; exactly one */
    NODE_STORE_KEY_VERSION_PENDING = 2, /* reshared, waiting for every new member's confirmation */
    NODE_STORE_KEY_VERSION_RETIRED = 3, /* replaced; share kept only for signs still running */
};

/* One version of a key: who holds shares and how many must sign. */
struct node_store_keyinfo_version {
    uint32_t version;        /* >= 1, unique within the keyinfo */
    uint8_t state;           /* enum node_store_key_version_state */
    uint16_t threshold;      /* k: minimum signers, 2 <= k <= n_participants */
    uint16_t n_participants; /* n: committee size, <= NODE_STORE_KEYINFO_MAX_PARTIES */
    char participants[NODE_STORE_KEYINFO_MAX_PARTIES]
                     [NODE_ID_MAX + 1]; /* node ids, unique, valid */
};

/* A key as this node knows it. */
struct node_store_keyinfo {
    uint8_t key_type;                              /* enum node_store_key_type */
    uint8_t public_key_len;                        /* 32 (ed25519) or 33 (secp256k1) */
    uint8_t public_key[NODE_STORE_KEYINFO_PK_MAX]; /* group public key */
    uint32_t active_version;                       /* version whose state is ACTIVE; 0 for a
                                                      new key whose only version is PENDING */
    uint8_t n_versions;                            /* 1..NODE_STORE_KEYINFO_MAX_VERSIONS */
    struct node_store_keyinfo_version
        versions[NODE_STORE_KEYINFO_MAX_VERSIONS]; /* [0..n_versions) */
};

/*
 * Returns: "ed25519" / "secp256k1" / "secp256k1-tr" for a known type (used in record names),
 *          NULL otherwise.
 */
const char *node_store_key_type_name(int key_type);

/*
 * Checks every invariant listed above.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG naming nothing secret (ki NULL or invalid).
 */
MPC_MUST_CHECK mpc_status node_store_keyinfo_validate(const struct node_store_keyinfo *ki);

/*
 * Returns: the version entry for version v, or NULL.
 */
const struct node_store_keyinfo_version *
node_store_keyinfo_find(const struct node_store_keyinfo *ki, uint32_t v);

/*
 * Encodes a valid keyinfo.
 * Out: out[0..*out_len); *out_len is 0 on failure.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (invalid keyinfo or NULL);
 *          MPC_ERR_BUFFER_TOO_SMALL (NODE_STORE_KEYINFO_ENCODED_MAX always suffices).
 */
MPC_MUST_CHECK mpc_status node_store_keyinfo_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                                    const struct node_store_keyinfo *ki);

/*
 * Decodes and validates.
 * Out: *ki — cleared on entry (and on failure).
 * Returns: MPC_OK; MPC_ERR_CORRUPT (truncated, trailing bytes, unknown format,
 *          or a decoded keyinfo that does not validate); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_keyinfo_decode(struct node_store_keyinfo *ki,
                                                    const uint8_t *in, size_t len);

#endif /* MPC_NODE_STORE_KEYINFO_H */
