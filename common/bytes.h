/*
 * bytes.h — fixed-width integers to and from byte buffers, little-endian
 * (store records, identity files) and big-endian (wire framing: result
 * entries, key claims), and short strings framed as u8 len | bytes (signed
 * node messages: KOS notices, presign orders). The one home of these helpers.
 *
 * The caller guarantees that p has room for the width (2, 4 or 8 bytes);
 * these functions check nothing and never fail.
 *
 * THREAD SAFETY: pure functions, thread-safe.
 */
#ifndef MPC_COMMON_BYTES_H
#define MPC_COMMON_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Writes v to p[0..2), least significant byte first. */
static inline void
mpc_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Writes v to p[0..4), least significant byte first. */
static inline void
mpc_put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Writes v to p[0..8), least significant byte first. */
static inline void
mpc_put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Returns: the little-endian u16 at p[0..2). */
static inline uint16_t
mpc_get_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* Returns: the little-endian u32 at p[0..4). */
static inline uint32_t
mpc_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Returns: the little-endian u64 at p[0..8). */
static inline uint64_t
mpc_get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* Writes v to p[0..4), most significant byte first. */
static inline void
mpc_put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Returns: the big-endian u32 at p[0..4). */
static inline uint32_t
mpc_get_u32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Writes u8 len | s (the caller checked 1 <= strlen(s) <= 255 and the room).
 * Returns: the position after it. */
static inline uint8_t *
mpc_put_str8(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    *p++ = (uint8_t)n;
    memcpy(p, s, n);
    return p + n;
}

/* Reads u8 len | s from *p (below end): 1..max bytes, no NUL, into out
 * (max + 1 bytes), and advances *p. Returns: 1, or 0 on malformed input. */
static inline int
mpc_get_str8(const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
    if (*p >= end) {
        return 0;
    }
    size_t n = **p;
    (*p)++;
    if (n == 0 || n > max || (size_t)(end - *p) < n || memchr(*p, 0, n) != NULL) {
        return 0;
    }
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n;
    return 1;
}

#endif /* MPC_COMMON_BYTES_H */
