/*
 * wire.c — bounded writer and strict reader.
 */
#include "tss/wire.h"

#include <string.h>

void
tss_wr_init(tss_wr *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf != NULL ? cap : 0;
    w->len = 0;
    w->ok = 1;
}

void
tss_wr_bytes(tss_wr *w, const uint8_t *p, size_t len)
{
    if (w->buf != NULL) {
        if (!w->ok || w->cap - w->len < len) {
            w->ok = 0;
            return;
        }
        if (len > 0) {
            memcpy(w->buf + w->len, p, len);
        }
    }
    w->len += len;
}

void
tss_wr_u8(tss_wr *w, uint8_t v)
{
    tss_wr_bytes(w, &v, 1);
}

void
tss_wr_u16(tss_wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    tss_wr_bytes(w, b, 2);
}

void
tss_wr_u32(tss_wr *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    tss_wr_bytes(w, b, 4);
}

void
tss_rd_init(tss_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->left = p != NULL ? len : 0;
    r->ok = p != NULL || len == 0;
}

const uint8_t *
tss_rd_bytes(tss_rd *r, size_t len)
{
    if (!r->ok || r->left < len) {
        r->ok = 0;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += len;
    r->left -= len;
    return p;
}

uint8_t
tss_rd_u8(tss_rd *r)
{
    const uint8_t *p = tss_rd_bytes(r, 1);
    return p ? p[0] : 0;
}

uint16_t
tss_rd_u16(tss_rd *r)
{
    const uint8_t *p = tss_rd_bytes(r, 2);
    return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

uint32_t
tss_rd_u32(tss_rd *r)
{
    const uint8_t *p = tss_rd_bytes(r, 4);
    return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

int
tss_rd_done(const tss_rd *r)
{
    return r->ok && r->left == 0;
}
