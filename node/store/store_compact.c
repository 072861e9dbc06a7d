/*
 * store_compact.c — node_store_compact (store.h): the key store file
 * rewritten without free pages, so deleted shares leave no bytes behind.
 *
 * DESIGN: runs under the store's write lock (store_internal.h): no other
 * thread is in a store call, no txn is open, so the environment may be
 * closed and reopened. Order: compact copy to <path>.compact, fsync, keep a
 * descriptor on the old file, close the environment, rename the copy over
 * <path>, fsync the directory, zero the old file through the kept
 * descriptor, reopen. A crash at any point leaves a complete store at <path>
 * (old or new); a stale <path>.compact is removed by the next compaction.
 * Overwriting the old file's blocks removes the bytes on file systems that
 * write in place (ext4, xfs); copy-on-write file systems and flash wear
 * levelling may keep older blocks, which no user-space code can reach.
 * A backup in another process (node/store/backup.h) holds a shared flock on
 * "<path>-lock" while its environment is open; compaction takes it
 * exclusively first, so the file is never renamed under a backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "node/store/backup.h"
#include "node/store/store.h"
#include "node/store/store_internal.h"

#define COMPACT_SUFFIX ".compact"
#define ZERO_CHUNK     65536u

/* fsyncs the directory holding path, so a rename in it is durable. */
static int
sync_parent_dir(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        return -1;
    }
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Overwrites the whole file behind fd with zeros and syncs it. */
static int
zero_file(int fd)
{
    struct stat sb;
    static const uint8_t zeros[ZERO_CHUNK];
    if (fstat(fd, &sb) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
        return -1;
    }
    off_t left = sb.st_size;
    while (left > 0) {
        size_t n = left > (off_t)ZERO_CHUNK ? ZERO_CHUNK : (size_t)left;
        ssize_t w = write(fd, zeros, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) {
                continue;
            }
            return -1;
        }
        left -= w;
    }
    return fsync(fd);
}

/* Writes the compact copy of s's environment to tmp (created fresh, 0600). */
static mpc_status
compact_copy(node_store *s, const char *tmp)
{
    (void)unlink(tmp); /* a copy left by an interrupted compaction */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        mpc_log(MPC_LOG_ERROR, "store", "compact_failed", "step=create errno=%d", errno);
        return MPC_ERR_IO;
    }
    mpc_status st = node_store_lmdb_status(mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT), "compact");
    if (st == MPC_OK && fsync(fd) != 0) {
        st = MPC_ERR_IO;
    }
    if (close(fd) != 0 && st == MPC_OK) {
        st = MPC_ERR_IO;
    }
    if (st != MPC_OK) {
        (void)unlink(tmp);
    }
    return st;
}

/* Reopens the environment on the (new) file and its three tables. */
static mpc_status
store_reopen(node_store *s)
{
    MDB_txn *txn = NULL;
    int rc = node_store_env_open(s);
    if (rc == 0) {
        rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    }
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "meta", 0, &s->meta);
    }
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "records", 0, &s->recs);
    }
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "reqlog", 0, &s->reqlog); /* the copy keeps every named table */
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn); /* keeps the table handles */
        txn = NULL;
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    if (rc != 0 && s->env != NULL) {
        mdb_env_close(s->env);
        s->env = NULL;
    }
    return node_store_lmdb_status(rc, "compact_reopen");
}

/* Swaps tmp in for the store file and zeroes the old file; env closed. */
static mpc_status
compact_swap(node_store *s, const char *tmp)
{
    int old_fd = open(s->path, O_WRONLY | O_CLOEXEC);
    if (old_fd < 0) {
        (void)unlink(tmp);
        return MPC_ERR_IO;
    }
    mdb_env_close(s->env);
    s->env = NULL;
    mpc_status st = MPC_OK;
    if (rename(tmp, s->path) != 0) {
        (void)unlink(tmp);
        st = MPC_ERR_IO;
    } else if (sync_parent_dir(s->path) != 0 || zero_file(old_fd) != 0) {
        st = MPC_ERR_IO; /* the new file is in place; only the wipe of the old one failed */
    }
    close(old_fd);
    mpc_status rst = store_reopen(s);
    return rst != MPC_OK ? rst : st;
}

mpc_status
node_store_compact(node_store *s)
{
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t n = strlen(s->path) + sizeof COMPACT_SUFFIX;
    char *tmp = malloc(n);
    if (tmp == NULL) {
        return MPC_ERR_NOMEM;
    }
    snprintf(tmp, n, "%s%s", s->path, COMPACT_SUFFIX);
    /* A backup (another process) holds the environment open under a shared
     * flock: renaming the file under it is unsafe, so wait for it (bounded). */
    if (s->flock_fd < 0) {
        char *lock = malloc(strlen(s->path) + sizeof "-lock");
        if (lock != NULL) {
            snprintf(lock, strlen(s->path) + sizeof "-lock", "%s-lock", s->path);
            s->flock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            free(lock);
        }
    }
    mpc_status lst = s->flock_fd < 0
                         ? MPC_ERR_IO
                         : node_store_flock_wait(s->flock_fd, 1, NODE_STORE_BACKUP_LOCK_WAIT_MS);
    if (lst != MPC_OK) {
        free(tmp);
        mpc_log(MPC_LOG_ERROR, "store", "compacted", "status=%s reason=backup_lock",
                mpc_status_name(lst));
        return lst;
    }
    (void)pthread_rwlock_wrlock(&s->lock);
    mpc_status st = s->env == NULL ? MPC_ERR_STORE : compact_copy(s, tmp);
    if (st == MPC_OK) {
        st = compact_swap(s, tmp);
    }
    if (st == MPC_OK) {
        /* no txn is open: every free page, a format-1 share's too, is gone */
        __atomic_store_n(&s->compact_due, 0, __ATOMIC_RELEASE);
    }
    (void)pthread_rwlock_unlock(&s->lock);
    (void)flock(s->flock_fd, LOCK_UN);
    free(tmp);
    mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_ERROR, "store", "compacted", "status=%s",
            mpc_status_name(st));
    return st;
}
