/*
 * log.h — thread-safe leveled logger: key=value text lines or JSON lines.
 *
 * A log line is formatted completely into one buffer and written with a single
 * write(2) under a mutex, so concurrent writers never interleave or split a
 * line. Lines longer than MPC_LOG_LINE_MAX are truncated and marked
 * "truncated=1"; they still end with a newline.
 *
 * Usage:  mpc_log(MPC_LOG_INFO, "transport", "send_failed", "peer=%s attempts=%u", p, n);
 * The fields argument is printf-style and should read as key=value pairs.
 * NEVER pass key material, shares, nonces or passphrases: log ids only.
 *
 * THREAD SAFETY: every function is thread-safe. Configuration calls
 * (set_level/format/fd) take effect for lines started after they return.
 */
#ifndef MPC_COMMON_LOG_H
#define MPC_COMMON_LOG_H

#include <stdarg.h>

#include "common/status.h"

#define MPC_LOG_LINE_MAX 4096

typedef enum {
    MPC_LOG_DEBUG = 0,
    MPC_LOG_INFO = 1,
    MPC_LOG_WARN = 2,
    MPC_LOG_ERROR = 3,
    MPC_LOG_OFF = 4,
} mpc_log_level;

typedef enum {
    MPC_LOG_TEXT = 0, /* ts=... level=info mod=x event=y k=v ... */
    MPC_LOG_JSON = 1, /* {"ts":"...","level":"info","mod":"x","event":"y","fields":"k=v ..."} */
} mpc_log_format;

/* Sets the minimum level that is written (default MPC_LOG_INFO). */
void mpc_log_set_level(mpc_log_level level);

/* Returns: the current minimum level. */
mpc_log_level mpc_log_get_level(void);

/* Sets the output format (default MPC_LOG_TEXT). */
void mpc_log_set_format(mpc_log_format fmt);

/* Sets the file descriptor lines are written to (default 2, stderr). Not closed by the logger. */
void mpc_log_set_fd(int fd);

/*
 * Parses "debug", "info", "warn", "error" or "off".
 * Returns: MPC_OK, MPC_ERR_PARSE for anything else, MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status mpc_log_level_parse(const char *s, mpc_log_level *out);

/* Parses "text" or "json". Same returns as mpc_log_level_parse. */
MPC_MUST_CHECK mpc_status mpc_log_format_parse(const char *s, mpc_log_format *out);

/*
 * Writes one line if level is enabled. mod and event are short identifiers
 * (no spaces); fields is a printf format (may be NULL for none).
 */
void mpc_log(mpc_log_level level, const char *mod, const char *event, const char *fields, ...)
    __attribute__((format(printf, 4, 5)));

/* va_list variant of mpc_log. */
void mpc_logv(mpc_log_level level, const char *mod, const char *event, const char *fields,
              va_list ap) __attribute__((format(printf, 4, 0)));

#endif /* MPC_COMMON_LOG_H */
