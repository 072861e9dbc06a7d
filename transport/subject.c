/*
 * subject.c — NATS subject validation and wildcard matching.
 */
#include "transport/subject.h"

#include <string.h>

#include "transport/transport.h"

int
transport_subject_valid(const char *s, int allow_wildcards)
{
    if (s == NULL) {
        return 0;
    }
    size_t n = strlen(s);
    if (n == 0 || n >= TRANSPORT_SUBJECT_MAX) {
        return 0;
    }
    size_t tok_start = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            size_t tl = i - tok_start;
            if (tl == 0) {
                return 0;
            }
            const char *tok = s + tok_start;
            int wild = (tl == 1 && (tok[0] == '*' || tok[0] == '>'));
            if (wild && !allow_wildcards) {
                return 0;
            }
            if (tl == 1 && tok[0] == '>' && c != '\0') {
                return 0; /* ">" only as the last token */
            }
            if (!wild && (memchr(tok, '*', tl) != NULL || memchr(tok, '>', tl) != NULL)) {
                return 0;
            }
            tok_start = i + 1;
            continue;
        }
        if ((unsigned char)c <= 0x20 || (unsigned char)c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

int
transport_subject_match(const char *pattern, const char *subject)
{
    const char *p = pattern;
    const char *s = subject;
    for (;;) {
        const char *pe = strchr(p, '.');
        const char *se = strchr(s, '.');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p);
        size_t sl = se ? (size_t)(se - s) : strlen(s);
        if (pl == 1 && p[0] == '>') {
            return 1; /* at least one token remains in s here */
        }
        if (!(pl == 1 && p[0] == '*') && (pl != sl || memcmp(p, s, pl) != 0)) {
            return 0;
        }
        if (pe == NULL || se == NULL) {
            return pe == NULL && se == NULL;
        }
        p = pe + 1;
        s = se + 1;
    }
}
