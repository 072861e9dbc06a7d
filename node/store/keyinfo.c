/*
 * keyinfo.c — keyinfo validation and its versioned binary encoding.
 */
#include "node/store/keyinfo.h"

#include <string.h>

const char *
node_store_key_type_name(int key_type)
{
    switch (key_type) {
    case NODE_STORE_KEY_ED25519:
        return "ed25519";
    case NODE_STORE_KEY_SECP256K1:
        return "secp256k1";
    case NODE_STORE_KEY_SECP256K1_TR:
        return "secp256k1-tr";
    default:
        return NULL;
    }
}

static mpc_status
version_validate(const struct node_store_keyinfo_version *v)
{
    if (v->version == 0 || v->state < NODE_STORE_KEY_VERSION_ACTIVE ||
        v->state > NODE_STORE_KEY_VERSION_RETIRED) {
        return MPC_ERR_INVALID_ARG;
    }
    if (v->n_participants < 2 || v->n_participants > NODE_STORE_KEYINFO_MAX_PARTIES ||
        v->threshold < 2 || v->threshold > v->n_participants) {
        return MPC_ERR_INVALID_ARG;
    }
    for (unsigned i = 0; i < v->n_participants; i++) {
        if (memchr(v->participants[i], '\0', NODE_ID_MAX + 1) == NULL ||
            !node_client_node_id_is_valid(v->participants[i])) {
            return MPC_ERR_INVALID_ARG;
        }
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(v->participants[i], v->participants[j]) == 0) {
                return MPC_ERR_INVALID_ARG;
            }
        }
    }
    return MPC_OK;
}

mpc_status
node_store_keyinfo_validate(const struct node_store_keyinfo *ki)
{
    if (ki == NULL || node_store_key_type_name(ki->key_type) == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t want_pk = ki->key_type == NODE_STORE_KEY_ED25519 ? 32 : 33;
    if (ki->public_key_len != want_pk || ki->n_versions < 1 ||
        ki->n_versions > NODE_STORE_KEYINFO_MAX_VERSIONS) {
        return MPC_ERR_INVALID_ARG;
    }
    unsigned active = 0, pending = 0;
    for (unsigned i = 0; i < ki->n_versions; i++) {
        const struct node_store_keyinfo_version *v = &ki->versions[i];
        if (version_validate(v) != MPC_OK) {
            return MPC_ERR_INVALID_ARG;
        }
        for (unsigned j = 0; j < i; j++) {
            if (ki->versions[j].version == v->version) {
                return MPC_ERR_INVALID_ARG;
            }
        }
        if (v->state == NODE_STORE_KEY_VERSION_ACTIVE) {
            active++;
            if (v->version != ki->active_version) {
                return MPC_ERR_INVALID_ARG;
            }
        }
        pending += v->state == NODE_STORE_KEY_VERSION_PENDING;
    }
    /* a new key waiting for its committee's confirmations (node/keyconfirm.h)
     * has no active version yet: its only version is PENDING */
    int pending_new = active == 0 && pending == 1 && ki->n_versions == 1 && ki->active_version == 0;
    return (active == 1 && pending <= 1) || pending_new ? MPC_OK : MPC_ERR_INVALID_ARG;
}

const struct node_store_keyinfo_version *
node_store_keyinfo_find(const struct node_store_keyinfo *ki, uint32_t v)
{
    if (ki == NULL) {
        return NULL;
    }
    for (unsigned i = 0; i < ki->n_versions && i < NODE_STORE_KEYINFO_MAX_VERSIONS; i++) {
        if (ki->versions[i].version == v) {
            return &ki->versions[i];
        }
    }
    return NULL;
}

/* A bounded byte writer / reader; ok drops to 0 on overflow / underflow. */
struct cursor {
    uint8_t *w;       /* write base (NULL for a reader) */
    const uint8_t *r; /* read base */
    size_t cap;       /* bytes available */
    size_t pos;       /* bytes used */
    int ok;           /* 1 until a bound is hit */
};

static void
put_bytes(struct cursor *c, const void *p, size_t n)
{
    if (!c->ok || c->cap - c->pos < n) {
        c->ok = 0;
        return;
    }
    memcpy(c->w + c->pos, p, n);
    c->pos += n;
}

static void
put_uint(struct cursor *c, uint32_t v, size_t n)
{
    uint8_t b[4];
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    put_bytes(c, b, n);
}

static void
get_bytes(struct cursor *c, void *p, size_t n)
{
    if (!c->ok || c->cap - c->pos < n) {
        c->ok = 0;
        memset(p, 0, n);
        return;
    }
    memcpy(p, c->r + c->pos, n);
    c->pos += n;
}

static uint32_t
get_uint(struct cursor *c, size_t n)
{
    uint8_t b[4] = {0, 0, 0, 0};
    get_bytes(c, b, n);
    uint32_t v = 0;
    for (size_t i = n; i > 0; i--) {
        v = (v << 8) | b[i - 1];
    }
    return v;
}

mpc_status
node_store_keyinfo_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                          const struct node_store_keyinfo *ki)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || node_store_keyinfo_validate(ki) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    struct cursor c = {.w = out, .cap = out_cap, .ok = 1};
    put_uint(&c, NODE_STORE_KEYINFO_FORMAT, 1);
    put_uint(&c, ki->key_type, 1);
    put_uint(&c, ki->public_key_len, 1);
    put_bytes(&c, ki->public_key, ki->public_key_len);
    put_uint(&c, ki->active_version, 4);
    put_uint(&c, ki->n_versions, 1);
    for (unsigned i = 0; i < ki->n_versions; i++) {
        const struct node_store_keyinfo_version *v = &ki->versions[i];
        put_uint(&c, v->version, 4);
        put_uint(&c, v->state, 1);
        put_uint(&c, v->threshold, 2);
        put_uint(&c, v->n_participants, 2);
        for (unsigned j = 0; j < v->n_participants; j++) {
            size_t n = strlen(v->participants[j]);
            put_uint(&c, (uint32_t)n, 1);
            put_bytes(&c, v->participants[j], n);
        }
    }
    if (!c.ok) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    *out_len = c.pos;
    return MPC_OK;
}

static void
decode_version(struct cursor *c, struct node_store_keyinfo_version *v)
{
    v->version = get_uint(c, 4);
    v->state = (uint8_t)get_uint(c, 1);
    v->threshold = (uint16_t)get_uint(c, 2);
    v->n_participants = (uint16_t)get_uint(c, 2);
    if (v->n_participants > NODE_STORE_KEYINFO_MAX_PARTIES) {
        c->ok = 0;
        return;
    }
    for (unsigned j = 0; j < v->n_participants && c->ok; j++) {
        uint32_t n = get_uint(c, 1);
        if (n == 0 || n > NODE_ID_MAX) {
            c->ok = 0;
            return;
        }
        get_bytes(c, v->participants[j], n);
        v->participants[j][n] = '\0';
        if (c->ok && strlen(v->participants[j]) != n) {
            c->ok = 0; /* a NUL inside would cut the id short: not canonical */
            return;
        }
    }
}

mpc_status
node_store_keyinfo_decode(struct node_store_keyinfo *ki, const uint8_t *in, size_t len)
{
    if (ki == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(ki, 0, sizeof(*ki));
    if (in == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    struct cursor c = {.r = in, .cap = len, .ok = 1};
    if (get_uint(&c, 1) != NODE_STORE_KEYINFO_FORMAT) {
        return MPC_ERR_CORRUPT;
    }
    ki->key_type = (uint8_t)get_uint(&c, 1);
    ki->public_key_len = (uint8_t)get_uint(&c, 1);
    if (ki->public_key_len > NODE_STORE_KEYINFO_PK_MAX) {
        c.ok = 0;
    } else {
        get_bytes(&c, ki->public_key, ki->public_key_len);
    }
    ki->active_version = get_uint(&c, 4);
    ki->n_versions = (uint8_t)get_uint(&c, 1);
    if (ki->n_versions > NODE_STORE_KEYINFO_MAX_VERSIONS) {
        c.ok = 0;
    }
    for (unsigned i = 0; i < ki->n_versions && c.ok; i++) {
        decode_version(&c, &ki->versions[i]);
    }
    if (!c.ok || c.pos != len || node_store_keyinfo_validate(ki) != MPC_OK) {
        memset(ki, 0, sizeof(*ki));
        return MPC_ERR_CORRUPT;
    }
    return MPC_OK;
}
