/*
 * cli_evidence_fetch.c — fetching the whole evidence of a failed result from
 * the node that kept it (node/client/evidence.h: chunked query and reply on
 * the node's status subject) and checking it against the digest the signed
 * Result carries (see cli_evidence.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/cli/cli_evidence.h"
#include "node/client/evidence.h"
#include "transport/subject.h"
#include "transport/transport.h"

#define FETCH_TIMEOUT_MS 5000u

/* One chunk from offset. Returns 0, or -1 with *why set. */
static int
fetch_chunk(transport *t, const char *subject, const struct node_client_evidence_query *q,
            uint8_t *reply, size_t *reply_len, const char **why)
{
    uint8_t qb[NODE_CLIENT_EVIDENCE_QUERY_MAX];
    size_t ql = 0;
    if (node_client_evidence_query_encode(q, qb, sizeof qb, &ql) != MPC_OK) {
        *why = "cannot encode the query";
        return -1;
    }
    mpc_status st =
        transport_request(t, subject, qb, ql, FETCH_TIMEOUT_MS, reply,
                          NODE_CLIENT_EVIDENCE_REPLY_HEAD + NODE_CLIENT_EVIDENCE_CHUNK, reply_len);
    if (st != MPC_OK) {
        *why = "the node did not answer";
        return -1;
    }
    if (*reply_len < NODE_CLIENT_EVIDENCE_REPLY_HEAD || reply[0] != NODE_CLIENT_EVIDENCE_FOUND) {
        *why = "the node no longer holds it (evicted) or refused the query";
        return -1;
    }
    return 0;
}

int
cli_evidence_fetch_whole(const struct cli_nats_opts *o, const Mpc__Result *r, uint8_t **packed,
                         size_t *len, const char **why)
{
    char subject[TRANSPORT_SUBJECT_MAX];
    *packed = NULL;
    *len = 0;
    *why = NULL;
    if (r->evidence_digest.len != NODE_CLIENT_EVIDENCE_DIGEST || r->evidence_size == 0 ||
        r->evidence_size > NODE_CLIENT_EVIDENCE_PACKED_MAX ||
        transport_subject_build(subject, sizeof subject, TRANSPORT_SUBJ_STATUS, r->node_id, NULL,
                                NULL) != MPC_OK) {
        *why = "the result names no whole evidence";
        return -1;
    }
    struct node_client_evidence_query q = {.key_type = (int)r->key_type, .offset = 0};
    snprintf(q.request_id, sizeof q.request_id, "%s", r->request_id);
    size_t total = (size_t)r->evidence_size, got = 0, rl = 0;
    uint8_t *buf = malloc(total),
            *reply = malloc(NODE_CLIENT_EVIDENCE_REPLY_HEAD + NODE_CLIENT_EVIDENCE_CHUNK);
    transport *t = NULL;
    int rc = buf != NULL && reply != NULL ? 0 : -1;
    *why = rc == 0 ? NULL : "out of memory";
    if (rc == 0 && cli_nats_transport_open(o, "mpc-cli", &t) != MPC_OK) {
        *why = "cannot connect to NATS";
        rc = -1;
    }
    /* bounded: every round brings at least one byte or ends */
    for (size_t round = 0; rc == 0 && got < total && round <= total; round++) {
        q.offset = (uint32_t)got;
        rc = fetch_chunk(t, subject, &q, reply, &rl, why);
        size_t chunk = rl - (rc == 0 ? NODE_CLIENT_EVIDENCE_REPLY_HEAD : rl);
        uint32_t claimed = rc == 0 ? (uint32_t)reply[1] << 24 | (uint32_t)reply[2] << 16 |
                                         (uint32_t)reply[3] << 8 | reply[4]
                                   : 0;
        if (rc == 0 && (claimed != total || chunk == 0 || chunk > total - got)) {
            *why = "the node's copy does not have the size the signed result states";
            rc = -1;
        }
        if (rc == 0) {
            memcpy(buf + got, reply + NODE_CLIENT_EVIDENCE_REPLY_HEAD, chunk);
            got += chunk;
        }
    }
    uint8_t digest[NODE_CLIENT_EVIDENCE_DIGEST];
    if (rc == 0) {
        node_client_evidence_digest(digest, buf, total);
        if (sodium_memcmp(digest, r->evidence_digest.data, sizeof digest) != 0) {
            *why = "the fetched evidence does not match the digest in the signed result";
            rc = -1;
        }
    }
    transport_destroy(t);
    free(reply);
    if (rc != 0) {
        free(buf);
        return -1;
    }
    *packed = buf;
    *len = total;
    return 0;
}
