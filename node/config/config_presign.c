/*
 * config_presign.c — the presign section of the config (node/config/config.h
 * struct node_config_presign): pool size, refill budget and signer sets.
 *
 * A set is written as one string of comma-separated node ids
 * ("node-1,node-3"): libcyaml reads no sequence of variable-length
 * sequences. Sets are stored sorted (strcmp) so that "the lowest id" and
 * "the same set" mean the same on every node whatever order the file uses.
 */
#include "node/config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/client/ids.h"
#include "node/config/config_schema.h"
#include "node/config/peers.h"

#define DEF_PRESIGN_RATE 4u   /* presign.max_per_second */
#define MAX_PRESIGN_RATE 100u /* its upper bound */

static int
cmp_id(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Splits text at commas into set i. Returns MPC_OK or the set's error. */
static mpc_status
parse_set(const char *text, struct node_config_presign *out, size_t i)
{
    size_t n = 0;
    const char *p = text;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n >= NODE_CONFIG_PRESIGN_SET_MAX) {
            return MPC_ERR_PRESIG_SET_SIZE;
        }
        if (len == 0 || len > NODE_ID_MAX) {
            return MPC_ERR_PRESIG_SET_ID;
        }
        memcpy(out->ids[i][n], p, len);
        out->ids[i][n][len] = '\0';
        if (!node_client_node_id_is_valid(out->ids[i][n])) {
            return MPC_ERR_PRESIG_SET_ID;
        }
        n++;
        if (e == NULL) {
            break;
        }
        p = e + 1;
    }
    if (n < 2) {
        return MPC_ERR_PRESIG_SET_SIZE;
    }
    qsort(out->ids[i], n, sizeof out->ids[i][0], cmp_id);
    for (size_t k = 1; k < n; k++) {
        if (strcmp(out->ids[i][k - 1], out->ids[i][k]) == 0) {
            return MPC_ERR_PRESIG_SET_ID;
        }
    }
    out->set_len[i] = (uint32_t)n;
    return MPC_OK;
}

static int
same_set(const struct node_config_presign *c, size_t a, size_t b)
{
    if (c->set_len[a] != c->set_len[b]) {
        return 0;
    }
    for (uint32_t k = 0; k < c->set_len[a]; k++) {
        if (strcmp(c->ids[a][k], c->ids[b][k]) != 0) {
            return 0;
        }
    }
    return 1;
}

mpc_status
node_config_presign_check(const node_config_yaml_doc *doc, char *err, size_t err_cap,
                          const struct raw_presign *r, struct node_config_presign *out)
{
    memset(out, 0, sizeof *out);
    out->max_per_second = DEF_PRESIGN_RATE;
    if (r == NULL) {
        return MPC_OK;
    }
    out->pool_size = r->pool_size != NULL ? *r->pool_size : 0;
    if (out->pool_size > NODE_CONFIG_PRESIGN_POOL) {
        node_config_yaml_errorf(doc, err, err_cap, "presign.pool_size",
                                "must be between 0 and %u (got %u)", NODE_CONFIG_PRESIGN_POOL,
                                out->pool_size);
        return MPC_ERR_CONFIG;
    }
    out->max_per_second = r->max_per_second != NULL ? *r->max_per_second : DEF_PRESIGN_RATE;
    if (out->max_per_second < 1 || out->max_per_second > MAX_PRESIGN_RATE) {
        node_config_yaml_errorf(doc, err, err_cap, "presign.max_per_second",
                                "must be between 1 and %u (got %u)", MAX_PRESIGN_RATE,
                                out->max_per_second);
        return MPC_ERR_CONFIG;
    }
    if (r->signers_count > NODE_CONFIG_PRESIGN_SETS) {
        node_config_yaml_errorf(doc, err, err_cap, "presign.signers", "at most %u sets (got %u)",
                                NODE_CONFIG_PRESIGN_SETS, r->signers_count);
        return MPC_ERR_CONFIG;
    }
    for (size_t i = 0; i < r->signers_count; i++) {
        mpc_status st = parse_set(r->signers[i], out, i);
        for (size_t j = 0; st == MPC_OK && j < i; j++) {
            st = same_set(out, i, j) ? MPC_ERR_PRESIG_SET_ID : MPC_OK;
        }
        if (st != MPC_OK) {
            node_config_yaml_errorf(doc, err, err_cap, "presign.signers",
                                    "set %zu \"%s\": %s (2..%u distinct node ids, "
                                    "comma-separated, each set once)",
                                    i + 1, r->signers[i], mpc_status_str(st),
                                    NODE_CONFIG_PRESIGN_SET_MAX);
            return st;
        }
    }
    out->n_sets = r->signers_count;
    return MPC_OK;
}

mpc_status
node_config_presign_peers(const struct node_config *cfg, const struct node_config_peers *peers,
                          char *err, size_t err_cap)
{
    if (err != NULL && err_cap > 0) {
        err[0] = '\0';
    }
    if (cfg == NULL || peers == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const struct node_config_presign *c = &cfg->presign;
    for (size_t i = 0; i < c->n_sets; i++) {
        for (uint32_t k = 0; k < c->set_len[i]; k++) {
            if (node_config_peers_find(peers, c->ids[i][k]) == NULL) {
                if (err != NULL && err_cap > 0) {
                    snprintf(err, err_cap, "presign.signers: set %zu names %s, not a peer", i + 1,
                             c->ids[i][k]);
                }
                return MPC_ERR_PRESIG_SET_UNKNOWN;
            }
        }
    }
    return MPC_OK;
}
