/*
 * log.c — thread-safe leveled logger.
 *
 * DESIGN: the level and format are atomics read without the lock; the output
 * fd and the single write(2) of each finished line happen under one mutex, so
 * lines from different threads never interleave even on a pipe or a file
 * opened without O_APPEND. Formatting happens outside the lock on the caller's
 * stack.
 */
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_level = MPC_LOG_INFO;                 /* minimum level written */
static _Atomic int log_format = MPC_LOG_TEXT;                /* mpc_log_format */
static int log_fd = 2;                                       /* output fd; guarded by log_lock */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER; /* serialises writes */

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void
mpc_log_set_level(mpc_log_level level)
{
    if ((int)level >= MPC_LOG_DEBUG && level <= MPC_LOG_OFF) {
        atomic_store(&log_level, (int)level);
    }
}

mpc_log_level
mpc_log_get_level(void)
{
    return (mpc_log_level)atomic_load(&log_level);
}

void
mpc_log_set_format(mpc_log_format fmt)
{
    if (fmt == MPC_LOG_TEXT || fmt == MPC_LOG_JSON) {
        atomic_store(&log_format, (int)fmt);
    }
}

void
mpc_log_set_fd(int fd)
{
    pthread_mutex_lock(&log_lock);
    log_fd = fd;
    pthread_mutex_unlock(&log_lock);
}

mpc_status
mpc_log_level_parse(const char *s, mpc_log_level *out)
{
    if (s == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    for (int i = MPC_LOG_DEBUG; i <= MPC_LOG_OFF; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (mpc_log_level)i;
            return MPC_OK;
        }
    }
    return MPC_ERR_PARSE;
}

mpc_status
mpc_log_format_parse(const char *s, mpc_log_format *out)
{
    if (s == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (strcmp(s, "text") == 0) {
        *out = MPC_LOG_TEXT;
    } else if (strcmp(s, "json") == 0) {
        *out = MPC_LOG_JSON;
    } else {
        return MPC_ERR_PARSE;
    }
    return MPC_OK;
}

/* Appends to buf at *pos without overflowing; *pos saturates at cap - 1. */
static void
buf_append(char *buf, size_t cap, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    size_t room = cap - 1 - *pos;
    if (n > room) {
        n = room;
    }
    memcpy(buf + *pos, s, n);
    *pos += n;
    buf[*pos] = '\0';
}

/* Appends s as the inside of a JSON string (escaping quotes, backslashes, controls). */
static void
buf_append_json(char *buf, size_t cap, size_t *pos, const char *s)
{
    for (; *s != '\0' && *pos + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
        } else {
            esc[0] = (char)c;
            esc[1] = '\0';
        }
        buf_append(buf, cap, pos, esc);
    }
}

/* Replaces newlines so a caller's text can never start a second line. */
static void
flatten(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n' || *s == '\r') {
            *s = ' ';
        }
    }
}

static void
format_ts(char *out, size_t cap)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

static void
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return; /* nowhere left to report a logging failure */
        }
        buf += w;
        len -= (size_t)w;
    }
}

void
mpc_logv(mpc_log_level level, const char *mod, const char *event, const char *fields, va_list ap)
{
    if ((int)level < atomic_load(&log_level) || level >= MPC_LOG_OFF) {
        return;
    }
    char fbuf[MPC_LOG_LINE_MAX];
    char ts[40];
    char line[MPC_LOG_LINE_MAX + 128];
    size_t pos = 0;
    int truncated = 0;

    fbuf[0] = '\0';
    if (fields != NULL) {
        int n = vsnprintf(fbuf, sizeof fbuf, fields, ap);
        truncated = n >= (int)sizeof fbuf;
        flatten(fbuf);
    }
    format_ts(ts, sizeof ts);
    line[0] = '\0';
    const size_t cap = sizeof line - 32; /* keep room for the truncation mark and newline */
    if (atomic_load(&log_format) == MPC_LOG_JSON) {
        buf_append(line, cap, &pos, "{\"ts\":\"");
        buf_append(line, cap, &pos, ts);
        buf_append(line, cap, &pos, "\",\"level\":\"");
        buf_append(line, cap, &pos, level_names[level]);
        buf_append(line, cap, &pos, "\",\"mod\":\"");
        buf_append_json(line, cap, &pos, mod ? mod : "-");
        buf_append(line, cap, &pos, "\",\"event\":\"");
        buf_append_json(line, cap, &pos, event ? event : "-");
        buf_append(line, cap, &pos, "\",\"fields\":\"");
        buf_append_json(line, cap, &pos, fbuf);
        buf_append(line, sizeof line, &pos, truncated ? "\",\"truncated\":1}\n" : "\"}\n");
    } else {
        buf_append(line, cap, &pos, "ts=");
        buf_append(line, cap, &pos, ts);
        buf_append(line, cap, &pos, " level=");
        buf_append(line, cap, &pos, level_names[level]);
        buf_append(line, cap, &pos, " mod=");
        buf_append(line, cap, &pos, mod ? mod : "-");
        buf_append(line, cap, &pos, " event=");
        buf_append(line, cap, &pos, event ? event : "-");
        if (fbuf[0] != '\0') {
            buf_append(line, cap, &pos, " ");
            buf_append(line, cap, &pos, fbuf);
        }
        buf_append(line, sizeof line, &pos, truncated ? " truncated=1\n" : "\n");
    }
    pthread_mutex_lock(&log_lock);
    write_all(log_fd, line, pos);
    pthread_mutex_unlock(&log_lock);
}

void
mpc_log(mpc_log_level level, const char *mod, const char *event, const char *fields, ...)
{
    va_list ap;
    va_start(ap, fields);
    mpc_logv(level, mod, event, fields, ap);
    va_end(ap);
}
