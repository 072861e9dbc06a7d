/*
 * errbuf.h — the caller-supplied error text buffer (char *err, size_t
 * err_cap) that open/load functions fill with a readable message. The one
 * home of the "format into err if there is one" helper.
 *
 * THREAD SAFETY: thread-safe (writes only the caller's buffer).
 */
#ifndef MPC_COMMON_ERRBUF_H
#define MPC_COMMON_ERRBUF_H

#include <stddef.h>

/*
 * Formats fmt into err (NUL-terminated, truncated to err_cap - 1 bytes).
 * Does nothing when err is NULL or err_cap is 0, so callers may pass an
 * optional buffer straight through.
 * Out: err[0..err_cap).
 */
void mpc_errbuf_set(char *err, size_t err_cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* MPC_COMMON_ERRBUF_H */
