/*
 * identity.c — Ed25519 node identity: generation, encrypted file, loading.
 *
 * DESIGN: the Argon2id output (64 bytes) and the decrypted seed are kept in
 * secure memory and wiped on every path; the key pair is re-derived from the
 * seed and its public key compared with the header, so a file whose header and
 * ciphertext disagree is rejected even if both were authenticated.
 */
#include "node/store/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/bytes.h"
#include "common/errbuf.h"
#include "common/secmem.h"

#define ID_MAGIC       "MPCIDKEY"
#define ID_VERSION     1u
#define ID_KDF_ARGON2  1u
#define ID_SEED_BYTES  32u
#define ID_CHECK_BYTES 16u
#define ID_KDF_BYTES   64u /* 32 AEAD key + 32 check material */
#define OFF_VERSION    8
#define OFF_KDF_ALG    10
#define OFF_RESERVED   12
#define OFF_OPS        16
#define OFF_MEM        24
#define OFF_SALT       32
#define OFF_CHECK      48
#define OFF_PK         64
#define OFF_NONCE      96 /* start of the sealed blob; also the end of the AD */

struct node_store_identity {
    uint8_t pk[NODE_STORE_IDENTITY_PK_BYTES]; /* public key (not secret) */
    uint8_t *sk;                              /* secure memory, NODE_STORE_IDENTITY_SK_BYTES */
};

static mpc_status
identity_alloc(node_store_identity **out)
{
    node_store_identity *id = calloc(1, sizeof(*id));
    if (id == NULL) {
        return MPC_ERR_NOMEM;
    }
    id->sk = mpc_secure_alloc(NODE_STORE_IDENTITY_SK_BYTES);
    if (id->sk == NULL) {
        free(id);
        return MPC_ERR_NOMEM;
    }
    *out = id;
    return MPC_OK;
}

/* A new identity from seed (32 bytes), or a random one for NULL. */
static mpc_status
identity_make(const uint8_t *seed, node_store_identity **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_CRYPTO;
    }
    node_store_identity *id = NULL;
    mpc_status st = identity_alloc(&id);
    if (st != MPC_OK) {
        return st;
    }
    if (seed != NULL) {
        crypto_sign_seed_keypair(id->pk, id->sk, seed);
    } else {
        crypto_sign_keypair(id->pk, id->sk);
    }
    *out = id;
    return MPC_OK;
}

mpc_status
node_store_identity_generate(node_store_identity **out)
{
    return identity_make(NULL, out);
}

mpc_status
node_store_identity_from_seed(const uint8_t *seed, node_store_identity **out)
{
    if (seed == NULL) {
        if (out != NULL) {
            *out = NULL;
        }
        return MPC_ERR_INVALID_ARG;
    }
    return identity_make(seed, out);
}

/* Derives the AEAD key and the check value. kdf_out: secure, ID_KDF_BYTES. */
static mpc_status
identity_derive(uint8_t *kdf_out, uint8_t *check, const char *pass, size_t pass_len,
                const uint8_t *salt, const struct node_store_kdf_params *kdf)
{
    mpc_status st = node_store_kdf_derive(kdf_out, ID_KDF_BYTES, pass, pass_len, salt, kdf);
    if (st != MPC_OK) {
        return st;
    }
    crypto_generichash(check, ID_CHECK_BYTES, kdf_out + NODE_STORE_SEAL_KEY_BYTES,
                       ID_KDF_BYTES - NODE_STORE_SEAL_KEY_BYTES, NULL, 0);
    return MPC_OK;
}

/* Builds the whole file image into file[NODE_STORE_IDENTITY_FILE_BYTES]. */
static mpc_status
identity_encode(uint8_t *file, const node_store_identity *id, const char *pass, size_t pass_len,
                const struct node_store_kdf_params *kdf)
{
    memset(file, 0, NODE_STORE_IDENTITY_FILE_BYTES);
    memcpy(file, ID_MAGIC, 8);
    mpc_put_u16le(file + OFF_VERSION, ID_VERSION);
    mpc_put_u16le(file + OFF_KDF_ALG, ID_KDF_ARGON2);
    mpc_put_u64le(file + OFF_OPS, kdf->opslimit);
    mpc_put_u64le(file + OFF_MEM, kdf->memlimit);
    mpc_status st = mpc_random_bytes(file + OFF_SALT, NODE_STORE_KDF_SALT_BYTES);
    if (st != MPC_OK) {
        return st;
    }
    memcpy(file + OFF_PK, id->pk, NODE_STORE_IDENTITY_PK_BYTES);
    uint8_t *keys = mpc_secure_alloc(ID_KDF_BYTES);
    if (keys == NULL) {
        return MPC_ERR_NOMEM;
    }
    st = identity_derive(keys, file + OFF_CHECK, pass, pass_len, file + OFF_SALT, kdf);
    if (st == MPC_OK) {
        size_t blob_len = 0;
        /* The seed is the first half of libsodium's secret key. */
        st = node_store_seal(file + OFF_NONCE, NODE_STORE_IDENTITY_FILE_BYTES - OFF_NONCE,
                             &blob_len, keys, file, OFF_NONCE, id->sk, ID_SEED_BYTES);
    }
    mpc_secure_free(keys);
    return st;
}

/* Writes all of buf to a new file (O_EXCL, 0600), fsyncs it and its directory. */
static mpc_status
write_new_file(const char *path, const uint8_t *buf, size_t len, char *err, size_t err_cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        int e = errno;
        mpc_errbuf_set(err, err_cap, "identity file %s: cannot create: %s", path, strerror(e));
        return e == EEXIST ? MPC_ERR_EXISTS : MPC_ERR_IO;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    int ok = off == len && fchmod(fd, 0600) == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        mpc_errbuf_set(err, err_cap, "identity file %s: write failed: %s", path, strerror(errno));
        unlink(path);
        return MPC_ERR_IO;
    }
    char *dup = strdup(path);
    if (dup != NULL) {
        int dfd = open(dirname(dup), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd); /* best effort: makes the new name durable */
            close(dfd);
        }
        free(dup);
    }
    return MPC_OK;
}

mpc_status
node_store_identity_save(const node_store_identity *id, const char *path, const char *pass,
                         size_t pass_len, const struct node_store_kdf_params *kdf, char *err,
                         size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (id == NULL || path == NULL || pass == NULL || pass_len == 0) {
        mpc_errbuf_set(err, err_cap, "identity save: missing key, path or passphrase");
        return MPC_ERR_INVALID_ARG;
    }
    if (node_store_kdf_params_check(kdf) != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "identity save: Argon2id limits out of range");
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t file[NODE_STORE_IDENTITY_FILE_BYTES];
    mpc_status st = identity_encode(file, id, pass, pass_len, kdf);
    if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "identity save: encryption failed: %s", mpc_status_str(st));
        return st;
    }
    return write_new_file(path, file, sizeof(file), err, err_cap);
}

mpc_status
node_store_identity_create(const char *path, const char *pass, size_t pass_len,
                           const struct node_store_kdf_params *kdf, node_store_identity **out,
                           char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    node_store_identity *id = NULL;
    mpc_status st = node_store_identity_generate(&id);
    if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "identity create: %s", mpc_status_str(st));
        return st;
    }
    st = node_store_identity_save(id, path, pass, pass_len, kdf, err, err_cap);
    if (st != MPC_OK) {
        node_store_identity_destroy(id);
        return st;
    }
    *out = id;
    return MPC_OK;
}

/* Opens path, checks type and mode, reads exactly NODE_STORE_IDENTITY_FILE_BYTES. */
static mpc_status
read_identity_file(const char *path, uint8_t *file, int check_mode, char *err, size_t err_cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        mpc_errbuf_set(err, err_cap, "identity file %s: cannot open: %s", path, strerror(errno));
        return MPC_ERR_IO;
    }
    mpc_status st = MPC_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        mpc_errbuf_set(err, err_cap, "identity file %s: not a regular file", path);
        st = MPC_ERR_IO;
    } else if (check_mode && (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        mpc_errbuf_set(
            err, err_cap,
            "identity file %s: mode %04o gives access to group or others; refusing to load "
            "it (run chmod 600 on it)",
            path, (unsigned)(sb.st_mode & 07777));
        st = MPC_ERR_FILE_MODE;
    } else if (sb.st_size != (off_t)NODE_STORE_IDENTITY_FILE_BYTES) {
        mpc_errbuf_set(err, err_cap,
                       "identity file %s: size %lld, expected %u: not an identity file", path,
                       (long long)sb.st_size, NODE_STORE_IDENTITY_FILE_BYTES);
        st = MPC_ERR_CORRUPT;
    } else {
        size_t off = 0;
        while (off < NODE_STORE_IDENTITY_FILE_BYTES) {
            ssize_t r = read(fd, file + off, NODE_STORE_IDENTITY_FILE_BYTES - off);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                break;
            }
            off += (size_t)r;
        }
        if (off != NODE_STORE_IDENTITY_FILE_BYTES) {
            mpc_errbuf_set(err, err_cap, "identity file %s: read error", path);
            st = MPC_ERR_IO;
        }
    }
    close(fd);
    return st;
}

/* Checks magic, version, algorithm and cost; fills kdf. */
static mpc_status
check_header(const uint8_t *file, struct node_store_kdf_params *kdf, const char *path, char *err,
             size_t err_cap)
{
    if (memcmp(file, ID_MAGIC, 8) != 0) {
        mpc_errbuf_set(err, err_cap, "identity file %s: bad magic: not an identity file", path);
        return MPC_ERR_CORRUPT;
    }
    static const uint8_t zero4[4] = {0, 0, 0, 0};
    if (mpc_get_u16le(file + OFF_VERSION) != ID_VERSION ||
        mpc_get_u16le(file + OFF_KDF_ALG) != ID_KDF_ARGON2 ||
        memcmp(file + OFF_RESERVED, zero4, sizeof(zero4)) != 0) {
        mpc_errbuf_set(err, err_cap, "identity file %s: unsupported version %u or algorithm %u",
                       path, mpc_get_u16le(file + OFF_VERSION), mpc_get_u16le(file + OFF_KDF_ALG));
        return MPC_ERR_CORRUPT;
    }
    kdf->opslimit = mpc_get_u64le(file + OFF_OPS);
    kdf->memlimit = mpc_get_u64le(file + OFF_MEM);
    if (node_store_kdf_params_check(kdf) != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "identity file %s: Argon2id limits out of range", path);
        return MPC_ERR_CORRUPT;
    }
    return MPC_OK;
}

/* Derives keys, checks the passphrase, opens the seed and rebuilds the key pair into id. */
static mpc_status
identity_decrypt(node_store_identity *id, const uint8_t *file, const char *pass, size_t pass_len,
                 const struct node_store_kdf_params *kdf, const char *path, char *err,
                 size_t err_cap)
{
    uint8_t check[ID_CHECK_BYTES];
    uint8_t *keys = mpc_secure_alloc(ID_KDF_BYTES + ID_SEED_BYTES);
    if (keys == NULL) {
        return MPC_ERR_NOMEM;
    }
    uint8_t *seed = keys + ID_KDF_BYTES;
    mpc_status st = identity_derive(keys, check, pass, pass_len, file + OFF_SALT, kdf);
    if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "identity file %s: key derivation failed: %s", path,
                       mpc_status_str(st));
        goto free_keys;
    }
    if (!mpc_ct_equal(check, file + OFF_CHECK, ID_CHECK_BYTES)) {
        mpc_errbuf_set(err, err_cap, "identity file %s: wrong passphrase", path);
        st = MPC_ERR_BAD_PASSPHRASE;
        goto free_keys;
    }
    size_t seed_len = 0;
    st = node_store_unseal(seed, ID_SEED_BYTES, &seed_len, keys, file, OFF_NONCE, file + OFF_NONCE,
                           NODE_STORE_IDENTITY_FILE_BYTES - OFF_NONCE);
    if (st != MPC_OK || seed_len != ID_SEED_BYTES) {
        mpc_errbuf_set(err, err_cap,
                       "identity file %s: passphrase is right but the file does not authenticate: "
                       "tampered or corrupt",
                       path);
        st = MPC_ERR_CORRUPT;
        goto free_keys;
    }
    crypto_sign_seed_keypair(id->pk, id->sk, seed);
    if (!mpc_ct_equal(id->pk, file + OFF_PK, NODE_STORE_IDENTITY_PK_BYTES)) {
        mpc_errbuf_set(err, err_cap, "identity file %s: public key does not match the secret key",
                       path);
        st = MPC_ERR_CORRUPT;
    }
free_keys:
    mpc_wipe(check, sizeof(check));
    mpc_secure_free(keys);
    return st;
}

mpc_status
node_store_identity_load(const char *path, const char *pass, size_t pass_len,
                         node_store_identity **out, char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (path == NULL || pass == NULL || pass_len == 0) {
        mpc_errbuf_set(err, err_cap, "identity load: missing path or passphrase");
        return MPC_ERR_INVALID_ARG;
    }
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_CRYPTO;
    }
    uint8_t file[NODE_STORE_IDENTITY_FILE_BYTES];
    struct node_store_kdf_params kdf;
    mpc_status st = read_identity_file(path, file, 1, err, err_cap);
    if (st == MPC_OK) {
        st = check_header(file, &kdf, path, err, err_cap);
    }
    if (st != MPC_OK) {
        return st;
    }
    node_store_identity *id = NULL;
    st = identity_alloc(&id);
    if (st != MPC_OK) {
        return st;
    }
    st = identity_decrypt(id, file, pass, pass_len, &kdf, path, err, err_cap);
    if (st != MPC_OK) {
        node_store_identity_destroy(id);
        return st;
    }
    *out = id;
    return MPC_OK;
}

mpc_status
node_store_identity_peek_public_key(const char *path, uint8_t *pk)
{
    if (pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(pk, 0, NODE_STORE_IDENTITY_PK_BYTES);
    if (path == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t file[NODE_STORE_IDENTITY_FILE_BYTES];
    struct node_store_kdf_params kdf;
    mpc_status st = read_identity_file(path, file, 0, NULL, 0);
    if (st == MPC_OK) {
        st = check_header(file, &kdf, path, NULL, 0);
    }
    if (st == MPC_OK) {
        memcpy(pk, file + OFF_PK, NODE_STORE_IDENTITY_PK_BYTES);
    }
    return st;
}

const uint8_t *
node_store_identity_public_key(const node_store_identity *id)
{
    return id != NULL ? id->pk : NULL;
}

const uint8_t *
node_store_identity_secret_key(const node_store_identity *id)
{
    return id != NULL ? id->sk : NULL;
}

mpc_status
node_store_identity_sign(const node_store_identity *id, uint8_t *sig, const uint8_t *msg,
                         size_t len)
{
    if (sig == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(sig, 0, NODE_STORE_IDENTITY_SIG_BYTES);
    if (id == NULL || (msg == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    crypto_sign_detached(sig, NULL, msg, len, id->sk);
    return MPC_OK;
}

void
node_store_identity_destroy(node_store_identity *id)
{
    if (id == NULL) {
        return;
    }
    mpc_secure_free(id->sk);
    free(id);
}
