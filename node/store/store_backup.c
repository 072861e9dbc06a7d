/*
 * store_backup.c — node_store_backup_write / _restore (node/store/backup.h):
 * the snapshot (LMDB compacting copy), its encryption as a secretstream, and
 * the checks before a restored store is installed.
 *
 * DESIGN: the plaintext snapshot only ever exists as a temporary file next
 * to its destination (mode 0600, removed on every path), and it holds what
 * the store file holds (sealed records, plain meta). The derived key and the
 * secretstream state live in secure memory and are wiped on every path.
 */
#include "node/store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/errbuf.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/store/store.h"
#include "node/store/store_internal.h"

#define BK_MAGIC      "MPCSTBAK"
#define BK_FORMAT     1u
#define BK_KDF_ALG    1u
#define BK_AD_BYTES   112u
#define BK_CHECK_OFF  48u
#define BK_PK_OFF     64u
#define BK_TIME_OFF   96u
#define BK_SIZE_OFF   104u
#define BK_SS_OFF     112u
#define BK_TMP_SUFFIX ".tmp-snapshot"

_Static_assert(BK_SS_OFF + crypto_secretstream_xchacha20poly1305_HEADERBYTES ==
                   NODE_STORE_BACKUP_HEADER_BYTES,
               "backup header layout");

/* Derives the backup key (32 bytes, secure memory) and the check value. */
static mpc_status
bk_derive(uint8_t *key, uint8_t *check, const char *pass, size_t pass_len, const uint8_t *salt,
          const struct node_store_kdf_params *kdf)
{
    uint8_t *okm = mpc_secure_alloc(64);
    if (okm == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = node_store_kdf_derive(okm, 64, pass, pass_len, salt, kdf);
    if (st == MPC_OK) {
        memcpy(key, okm, 32);
        crypto_generichash(check, 16, okm + 32, 32, NULL, 0);
    }
    mpc_secure_free(okm);
    return st;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads exactly n bytes. Returns n, fewer at end of file, or -1. */
static ssize_t
read_full(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int
bk_sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        return -1;
    }
    char *slash = strrchr(copy, '/');
    const char *dir = ".";
    if (slash == copy) {
        dir = "/";
    } else if (slash != NULL) {
        *slash = '\0';
        dir = copy;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static char *
bk_path_with(const char *path, const char *suffix)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        snprintf(p, n, "%s%s", path, suffix);
    }
    return p;
}

/* Builds the 136-byte header (the secretstream header is filled by the caller). */
static void
bk_header(uint8_t *h, const struct node_store_kdf_params *kdf, const uint8_t *salt,
          const uint8_t *check, const struct node_store_backup_info *info)
{
    memset(h, 0, NODE_STORE_BACKUP_HEADER_BYTES);
    memcpy(h, BK_MAGIC, 8);
    h[8] = BK_FORMAT;
    h[10] = BK_KDF_ALG;
    mpc_put_u64le(h + 16, kdf->opslimit);
    mpc_put_u64le(h + 24, kdf->memlimit);
    memcpy(h + 32, salt, NODE_STORE_KDF_SALT_BYTES);
    memcpy(h + BK_CHECK_OFF, check, 16);
    memcpy(h + BK_PK_OFF, info->identity_pk, 32);
    mpc_put_u64le(h + BK_TIME_OFF, info->created_ms);
    mpc_put_u64le(h + BK_SIZE_OFF, info->size);
}

/* Encrypts the snapshot in in_fd into out_fd. key: 32 bytes. */
static mpc_status
bk_encrypt(int in_fd, int out_fd, uint8_t *hdr, const uint8_t *key, uint64_t size)
{
    crypto_secretstream_xchacha20poly1305_state *ss = mpc_secure_alloc(sizeof *ss);
    uint8_t *pt = mpc_secure_alloc(NODE_STORE_BACKUP_CHUNK);
    uint8_t *ct =
        malloc(4 + NODE_STORE_BACKUP_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
    mpc_status st = ss && pt && ct ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        crypto_secretstream_xchacha20poly1305_init_push(ss, hdr + BK_SS_OFF, key);
        if (write_all(out_fd, hdr, NODE_STORE_BACKUP_HEADER_BYTES) != 0) {
            st = MPC_ERR_IO;
        }
    }
    uint64_t left = size;
    while (st == MPC_OK) {
        size_t n = left > NODE_STORE_BACKUP_CHUNK ? NODE_STORE_BACKUP_CHUNK : (size_t)left;
        if (read_full(in_fd, pt, n) != (ssize_t)n) {
            st = MPC_ERR_IO;
            break;
        }
        left -= n;
        unsigned char tag = left == 0 ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
        unsigned long long clen = 0;
        crypto_secretstream_xchacha20poly1305_push(ss, ct + 4, &clen, pt, n, hdr, BK_AD_BYTES, tag);
        mpc_put_u32le(ct, (uint32_t)clen);
        if (write_all(out_fd, ct, 4 + (size_t)clen) != 0) {
            st = MPC_ERR_IO;
        }
        if (left == 0) {
            break;
        }
    }
    if (st == MPC_OK && fsync(out_fd) != 0) {
        st = MPC_ERR_IO;
    }
    mpc_secure_free(ss);
    mpc_secure_free(pt);
    free(ct);
    return st;
}

/* Rewrites the shares of the snapshot at snap so it opens without live's
 * record keys (node_store_erasable_export); removes the files its open made. */
static mpc_status
bk_export(node_store *live, const char *snap, const char *pass, size_t pass_len, uint64_t map_size)
{
    struct node_store_options opt = {.map_size = map_size};
    node_store *ss = NULL;
    char msg[256];
    mpc_status st = node_store_open(snap, pass, pass_len, &opt, &ss, msg, sizeof msg);
    if (st == MPC_OK) {
        st = node_store_erasable_export(live, ss);
    }
    node_store_close(ss);
    const char *suffixes[] = {"-lock", NODE_STORE_KEYRING_SUFFIX};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char *p = bk_path_with(snap, suffixes[i]);
        if (p != NULL) {
            (void)unlink(p);
            free(p);
        }
    }
    return st;
}

/* The compacting copy of the store into snap_fd (the file snap), under a
 * shared flock; its shares then rewritten to open without the keyring. */
static mpc_status
bk_snapshot(const char *store_path, const char *pass, size_t pass_len, uint64_t map_size,
            const char *snap, int snap_fd, uint8_t *pk, char *err, size_t err_cap)
{
    int lock_fd = -1;
    mpc_status st =
        node_store_lockfile_take(store_path, 0, NODE_STORE_BACKUP_LOCK_WAIT_MS, &lock_fd);
    if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "store %s: cannot take the backup lock: %s", store_path,
                       mpc_status_str(st));
        return st;
    }
    struct node_store_options opt = {.map_size = map_size};
    node_store *s = NULL;
    st = node_store_open(store_path, pass, pass_len, &opt, &s, err, err_cap);
    if (st == MPC_OK) {
        uint8_t *rec = NULL;
        size_t len = 0;
        mpc_status ist = node_store_get(s, "identity", &rec, &len);
        if (ist == MPC_OK && len == 32) {
            memcpy(pk, rec, 32);
        }
        mpc_secure_free(rec);
        st = node_store_enter(s);
        if (st == MPC_OK) {
            st = node_store_lmdb_status(mdb_env_copyfd2(s->env, snap_fd, MDB_CP_COMPACT),
                                        "backup_copy");
            node_store_leave(s);
        }
        if (st == MPC_OK && fsync(snap_fd) != 0) {
            st = MPC_ERR_IO;
        }
        if (st == MPC_OK) {
            st = bk_export(s, snap, pass, pass_len, map_size);
        }
        if (st != MPC_OK) {
            mpc_errbuf_set(err, err_cap, "store %s: snapshot failed: %s", store_path,
                           mpc_status_str(st));
        }
    }
    node_store_close(s);
    node_store_lockfile_release(lock_fd);
    return st;
}

mpc_status
node_store_backup_write(const char *store_path, const char *pass, size_t pass_len,
                        const struct node_store_kdf_params *kdf, uint64_t map_size,
                        const char *out_path, struct node_store_backup_info *info, char *err,
                        size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (info != NULL) {
        memset(info, 0, sizeof *info);
    }
    if (store_path == NULL || pass == NULL || pass_len == 0 || out_path == NULL ||
        node_store_kdf_params_check(kdf) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    struct node_store_backup_info bi;
    memset(&bi, 0, sizeof bi);
    uint8_t hdr[NODE_STORE_BACKUP_HEADER_BYTES], salt[NODE_STORE_KDF_SALT_BYTES], check[16];
    uint8_t *key = mpc_secure_alloc(32);
    char *snap = bk_path_with(out_path, BK_TMP_SUFFIX);
    int snap_fd = -1, out_fd = -1;
    mpc_status st = key != NULL && snap != NULL ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        out_fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out_fd < 0) {
            st = errno == EEXIST ? MPC_ERR_EXISTS : MPC_ERR_IO;
            mpc_errbuf_set(err, err_cap, "%s: %s", out_path, strerror(errno));
        }
    }
    if (st == MPC_OK) {
        (void)unlink(snap); /* left by an interrupted backup */
        snap_fd = open(snap, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        st = snap_fd >= 0 ? MPC_OK : MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        st = bk_snapshot(store_path, pass, pass_len, map_size, snap, snap_fd, bi.identity_pk, err,
                         err_cap);
    }
    struct stat sb;
    if (st == MPC_OK && (fstat(snap_fd, &sb) != 0 || lseek(snap_fd, 0, SEEK_SET) != 0)) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        bi.size = (uint64_t)sb.st_size;
        bi.created_ms = mpc_clock_wall_ms();
        st = mpc_random_bytes(salt, sizeof salt);
    }
    if (st == MPC_OK) {
        st = bk_derive(key, check, pass, pass_len, salt, kdf);
    }
    if (st == MPC_OK) {
        bk_header(hdr, kdf, salt, check, &bi);
        st = bk_encrypt(snap_fd, out_fd, hdr, key, bi.size);
    }
    if (snap_fd >= 0) {
        close(snap_fd);
        (void)unlink(snap);
    }
    if (out_fd >= 0 && close(out_fd) != 0 && st == MPC_OK) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK && bk_sync_dir_of(out_path) != 0) {
        st = MPC_ERR_IO;
    }
    if (st != MPC_OK && out_fd >= 0) {
        (void)unlink(out_path);
    }
    if (st != MPC_OK && err != NULL && err[0] == '\0') {
        mpc_errbuf_set(err, err_cap, "backup %s: %s", out_path, mpc_status_str(st));
    }
    if (st == MPC_OK && info != NULL) {
        *info = bi;
    }
    mpc_secure_free(key);
    free(snap);
    return st;
}

/* Parses and checks the header; derives the key. */
static mpc_status
bk_open_header(const uint8_t *h, const char *pass, size_t pass_len, uint8_t *key,
               struct node_store_backup_info *bi)
{
    struct node_store_kdf_params kdf;
    uint8_t check[16];
    if (memcmp(h, BK_MAGIC, 8) != 0 || mpc_get_u16le(h + 8) != BK_FORMAT ||
        mpc_get_u16le(h + 10) != BK_KDF_ALG || mpc_get_u32le(h + 12) != 0) {
        return MPC_ERR_BACKUP_FORMAT;
    }
    kdf.opslimit = mpc_get_u64le(h + 16);
    kdf.memlimit = mpc_get_u64le(h + 24);
    bi->created_ms = mpc_get_u64le(h + BK_TIME_OFF);
    bi->size = mpc_get_u64le(h + BK_SIZE_OFF);
    memcpy(bi->identity_pk, h + BK_PK_OFF, 32);
    if (node_store_kdf_params_check(&kdf) != MPC_OK || bi->size == 0 ||
        bi->size > NODE_STORE_BACKUP_MAX_BYTES) {
        return MPC_ERR_BACKUP_FORMAT;
    }
    mpc_status st = bk_derive(key, check, pass, pass_len, h + 32, &kdf);
    if (st == MPC_OK && sodium_memcmp(check, h + BK_CHECK_OFF, 16) != 0) {
        st = MPC_ERR_BAD_PASSPHRASE;
    }
    return st;
}

/* Decrypts every chunk of in_fd (after the header) into out_fd. */
static mpc_status
bk_decrypt(int in_fd, int out_fd, const uint8_t *hdr, const uint8_t *key, uint64_t size)
{
    crypto_secretstream_xchacha20poly1305_state *ss = mpc_secure_alloc(sizeof *ss);
    uint8_t *pt = mpc_secure_alloc(NODE_STORE_BACKUP_CHUNK);
    size_t ct_cap = NODE_STORE_BACKUP_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES;
    uint8_t *ct = malloc(ct_cap);
    mpc_status st = ss && pt && ct ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK &&
        crypto_secretstream_xchacha20poly1305_init_pull(ss, hdr + BK_SS_OFF, key) != 0) {
        st = MPC_ERR_BACKUP_CORRUPT;
    }
    uint64_t got = 0;
    unsigned char tag = 0;
    uint64_t max_chunks = size / NODE_STORE_BACKUP_CHUNK + 1;
    for (uint64_t i = 0; st == MPC_OK && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL;
         i++) {
        uint8_t lb[4];
        unsigned long long plen = 0;
        if (i >= max_chunks || read_full(in_fd, lb, 4) != 4) {
            st = MPC_ERR_BACKUP_CORRUPT; /* more chunks than the size allows, or truncated */
            break;
        }
        uint32_t clen = mpc_get_u32le(lb);
        if (clen < crypto_secretstream_xchacha20poly1305_ABYTES || clen > ct_cap ||
            read_full(in_fd, ct, clen) != (ssize_t)clen ||
            crypto_secretstream_xchacha20poly1305_pull(ss, pt, &plen, &tag, ct, clen, hdr,
                                                       BK_AD_BYTES) != 0 ||
            plen > size - got) {
            st = MPC_ERR_BACKUP_CORRUPT;
            break;
        }
        if (write_all(out_fd, pt, (size_t)plen) != 0) {
            st = MPC_ERR_IO;
        }
        got += plen;
    }
    uint8_t extra;
    if (st == MPC_OK && (got != size || read_full(in_fd, &extra, 1) != 0)) {
        st = MPC_ERR_BACKUP_CORRUPT; /* short, or bytes after the final chunk */
    }
    if (st == MPC_OK && fsync(out_fd) != 0) {
        st = MPC_ERR_IO;
    }
    mpc_secure_free(ss);
    mpc_secure_free(pt);
    free(ct);
    return st;
}

/* Opens the decrypted snapshot as a store: verifier, identity, every record. */
static mpc_status
bk_check_snapshot(const char *snap, const char *pass, size_t pass_len, uint64_t map_size,
                  const uint8_t *expected_pk, const uint8_t *header_pk, char *err, size_t err_cap)
{
    struct node_store_options opt = {.map_size = map_size};
    node_store *s = NULL;
    char **names = NULL;
    size_t n = 0;
    mpc_status st = node_store_open(snap, pass, pass_len, &opt, &s, err, err_cap);
    if (st == MPC_ERR_CORRUPT || st == MPC_ERR_STORE) {
        st = MPC_ERR_BACKUP_CORRUPT;
    }
    if (st == MPC_OK) {
        st = node_store_list(s, "", &names, &n);
    }
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        uint8_t *rec = NULL;
        size_t len = 0;
        st = node_store_get(s, names[i], &rec, &len);
        if (st == MPC_OK && strcmp(names[i], "identity") == 0 &&
            (len != 32 || memcmp(rec, header_pk, 32) != 0 ||
             (expected_pk != NULL && memcmp(rec, expected_pk, 32) != 0))) {
            st = memcmp(rec, header_pk, 32) != 0 ? MPC_ERR_BACKUP_CORRUPT : MPC_ERR_BACKUP_IDENTITY;
        }
        mpc_secure_free(rec);
        if (st == MPC_ERR_CORRUPT) {
            st = MPC_ERR_BACKUP_CORRUPT;
        }
    }
    node_store_names_free(names, n);
    node_store_close(s);
    char *lock = bk_path_with(snap, "-lock");
    if (lock != NULL) {
        (void)unlink(lock);
        free(lock);
    }
    return st;
}

/* Moves the current store aside and the checked snapshot into its place. */
static mpc_status
bk_install(const char *snap, const char *store_path)
{
    int lock_fd = -1;
    mpc_status st = node_store_lockfile_take(store_path, 1, 0, &lock_fd);
    if (st != MPC_OK || node_store_in_use(store_path)) {
        node_store_lockfile_release(lock_fd);
        return MPC_ERR_STORE_IN_USE;
    }
    char *aside = bk_path_with(store_path, ".before-restore");
    if (aside == NULL) {
        node_store_lockfile_release(lock_fd);
        return MPC_ERR_NOMEM;
    }
    char *kr = bk_path_with(store_path, NODE_STORE_KEYRING_SUFFIX);
    char *kr_aside = bk_path_with(aside, NODE_STORE_KEYRING_SUFFIX);
    if (kr == NULL || kr_aside == NULL) {
        st = MPC_ERR_NOMEM;
    } else if (rename(store_path, aside) != 0 && errno != ENOENT) {
        st = MPC_ERR_IO;
    } else if (rename(kr, kr_aside) != 0 && errno != ENOENT) {
        st = MPC_ERR_IO; /* the old store's record keys go with it: the restored one has none */
    } else if (rename(snap, store_path) != 0 || bk_sync_dir_of(store_path) != 0) {
        st = MPC_ERR_IO;
    }
    free(kr);
    free(kr_aside);
    free(aside);
    node_store_lockfile_release(lock_fd);
    return st;
}

static mpc_status
bk_restore_checked(int in_fd, const char *snap, const char *pass, size_t pass_len,
                   const char *store_path, const uint8_t *expected_pk, uint64_t map_size,
                   struct node_store_backup_info *bi, char *err, size_t err_cap)
{
    uint8_t hdr[NODE_STORE_BACKUP_HEADER_BYTES];
    uint8_t *key = mpc_secure_alloc(32);
    if (key == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = read_full(in_fd, hdr, sizeof hdr) == (ssize_t)sizeof hdr
                        ? bk_open_header(hdr, pass, pass_len, key, bi)
                        : MPC_ERR_BACKUP_FORMAT;
    if (st == MPC_OK && expected_pk != NULL && !sodium_is_zero(bi->identity_pk, 32) &&
        memcmp(bi->identity_pk, expected_pk, 32) != 0) {
        st = MPC_ERR_BACKUP_IDENTITY;
    }
    int snap_fd = -1;
    if (st == MPC_OK) {
        (void)unlink(snap);
        snap_fd = open(snap, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        st = snap_fd >= 0 ? bk_decrypt(in_fd, snap_fd, hdr, key, bi->size) : MPC_ERR_IO;
    }
    mpc_secure_free(key);
    if (snap_fd >= 0 && close(snap_fd) != 0 && st == MPC_OK) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        st = bk_check_snapshot(snap, pass, pass_len, map_size, expected_pk, bi->identity_pk, err,
                               err_cap);
    }
    if (st == MPC_OK) {
        st = bk_install(snap, store_path);
    }
    return st;
}

mpc_status
node_store_backup_restore(const char *backup_path, const char *pass, size_t pass_len,
                          const char *store_path, const uint8_t *expected_pk, uint64_t map_size,
                          struct node_store_backup_info *info, char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (info != NULL) {
        memset(info, 0, sizeof *info);
    }
    if (backup_path == NULL || pass == NULL || pass_len == 0 || store_path == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (node_store_in_use(store_path)) {
        mpc_errbuf_set(err, err_cap, "store %s is open in another process: stop the node first",
                       store_path);
        return MPC_ERR_STORE_IN_USE;
    }
    int in_fd = open(backup_path, O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) {
        mpc_errbuf_set(err, err_cap, "%s: %s", backup_path, strerror(errno));
        return errno == ENOENT ? MPC_ERR_NOT_FOUND : MPC_ERR_IO;
    }
    struct node_store_backup_info bi;
    memset(&bi, 0, sizeof bi);
    char *snap = bk_path_with(store_path, ".restore");
    mpc_status st = snap != NULL ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        char e2[512] = "";
        st = bk_restore_checked(in_fd, snap, pass, pass_len, store_path, expected_pk, map_size, &bi,
                                e2, sizeof e2);
        (void)unlink(snap); /* gone after a successful install; removed on failure */
        if (st != MPC_OK) {
            mpc_errbuf_set(err, err_cap, "restore of %s refused: %s%s%s", backup_path,
                           mpc_status_str(st), e2[0] != '\0' ? ": " : "", e2);
        }
    }
    close(in_fd);
    free(snap);
    if (st == MPC_OK && info != NULL) {
        *info = bi;
    }
    mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_WARN, "store", "restore", "path=%s status=%s",
            store_path, mpc_status_name(st));
    return st;
}

int
node_store_in_use(const char *store_path)
{
    char *lock = bk_path_with(store_path, "-lock");
    if (lock == NULL) {
        return 0;
    }
    int fd = open(lock, O_RDWR | O_CLOEXEC);
    free(lock);
    if (fd < 0) {
        return 0;
    }
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK; /* LMDB holds a read lock on byte 0 while the env is open */
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 1;
    int used = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return used;
}

mpc_status
node_store_flock_wait(int fd, int exclusive, uint64_t wait_ms)
{
    uint64_t deadline = mpc_clock_mono_ms() + wait_ms;
    for (;;) { /* bounded: ends at the deadline */
        if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) {
            return MPC_OK;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            return MPC_ERR_IO;
        }
        if (mpc_clock_mono_ms() >= deadline) {
            return MPC_ERR_TIMEOUT;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
    }
}

mpc_status
node_store_lockfile_take(const char *store_path, int exclusive, uint64_t wait_ms, int *fd)
{
    *fd = -1;
    char *lock = bk_path_with(store_path, "-lock");
    if (lock == NULL) {
        return MPC_ERR_NOMEM;
    }
    int f = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(lock);
    if (f < 0) {
        return MPC_ERR_IO;
    }
    mpc_status st = node_store_flock_wait(f, exclusive, wait_ms);
    if (st != MPC_OK) {
        close(f);
        return st;
    }
    *fd = f;
    return MPC_OK;
}

void
node_store_lockfile_release(int fd)
{
    if (fd >= 0) {
        (void)flock(fd, LOCK_UN);
        close(fd);
    }
}
