/*
 * wire.h — bounded big-endian byte writer and strict reader for the compact
 * binary encodings of tss/ (protocol messages, key-share records, inputs).
 *
 * A reader never reads past its end: every get fails (and stays failed) on
 * underflow, so a decoder checks ok once at the end, plus tss_rd_done() to
 * demand that every byte was consumed.
 *
 * THREAD SAFETY: a writer/reader belongs to one thread.
 */
#ifndef MPC_TSS_WIRE_H
#define MPC_TSS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

/* Appending writer over a caller-provided buffer. */
typedef struct {
    uint8_t *buf; /* destination (may be NULL to only measure) */
    size_t cap;   /* capacity of buf */
    size_t len;   /* bytes written (or needed, when measuring) */
    int ok;       /* 0 once a write did not fit */
} tss_wr;

/* Strict reader. */
typedef struct {
    const uint8_t *p; /* next byte */
    size_t left;      /* bytes left */
    int ok;           /* 0 once a read underflowed */
} tss_rd;

/* Starts a writer over buf[0..cap); buf NULL measures only (w->len counts). */
void tss_wr_init(tss_wr *w, uint8_t *buf, size_t cap);
/* Appends one value (big-endian); on overflow w->ok becomes 0 and nothing is written. */
void tss_wr_u8(tss_wr *w, uint8_t v);
void tss_wr_u16(tss_wr *w, uint16_t v);
void tss_wr_u32(tss_wr *w, uint32_t v);
void tss_wr_bytes(tss_wr *w, const uint8_t *p, size_t len);

/* Starts a reader over p[0..len) (borrowed); p NULL with len > 0 starts failed. */
void tss_rd_init(tss_rd *r, const uint8_t *p, size_t len);
/* Returns: the next value (big-endian), or 0 with r->ok = 0 on underflow. */
uint8_t tss_rd_u8(tss_rd *r);
uint16_t tss_rd_u16(tss_rd *r);
uint32_t tss_rd_u32(tss_rd *r);
/* Returns: pointer to the next len bytes (borrowed from the input), or NULL on underflow. */
const uint8_t *tss_rd_bytes(tss_rd *r, size_t len);
/* Returns: 1 if every read succeeded and no byte is left. */
int tss_rd_done(const tss_rd *r);

#endif /* MPC_TSS_WIRE_H */
