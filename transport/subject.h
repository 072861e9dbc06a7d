/*
 * subject.h — NATS subject syntax: validation and wildcard matching.
 *
 * Subjects are dot-separated non-empty tokens of printable ASCII without
 * spaces. In patterns, a token "*" matches exactly one token and a final
 * token ">" matches one or more tokens. Used by the in-memory transport for
 * routing and by both transports to reject bad subjects before sending.
 *
 * THREAD SAFETY: pure functions.
 */
#ifndef MPC_TRANSPORT_SUBJECT_H
#define MPC_TRANSPORT_SUBJECT_H

/*
 * Returns: 1 if s is a valid subject (wildcards allowed only if
 *          allow_wildcards), shorter than TRANSPORT_SUBJECT_MAX; else 0.
 */
int transport_subject_valid(const char *s, int allow_wildcards);

/* Returns: 1 if the literal subject matches pattern, else 0. Both must be valid. */
int transport_subject_match(const char *pattern, const char *subject);

#endif /* MPC_TRANSPORT_SUBJECT_H */
