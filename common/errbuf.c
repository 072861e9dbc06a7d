/*
 * errbuf.c — formatting into an optional caller error buffer.
 */
#include "common/errbuf.h"

#include <stdarg.h>
#include <stdio.h>

void
mpc_errbuf_set(char *err, size_t err_cap, const char *fmt, ...)
{
    if (err == NULL || err_cap == 0 || fmt == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_cap, fmt, ap);
    va_end(ap);
}
