/*
 * yamlfile.h — loading a YAML file against a libcyaml schema with errors an
 * operator can act on: "FILE:LINE:COL: key.path: what is wrong".
 *
 * Two passes over the same bytes:
 *  1. a libyaml event pass records the position of every mapping key and
 *     sequence entry by its key path ("nats.urls[1]") and rejects what the
 *     schema pass reports badly or not at all: syntax errors (with libyaml's
 *     own line/column), duplicate keys, aliases/anchors, several documents,
 *     non-scalar keys;
 *  2. libcyaml loads the data; its log callback's backtrace ("in mapping
 *     field 'x' (line: L, column: C)") is turned into the key path, so unknown
 *     keys and wrong value types are reported by key and the line comes from
 *     pass 1 (libcyaml's own marks point at the previous event).
 * The position map stays available for semantic checks after loading
 * (node_config_yaml_errorf), so those errors carry lines too.
 *
 * Values of keys listed as secret are never copied into messages.
 *
 * THREAD SAFETY: no shared state; a node_config_yaml_doc is used by one thread.
 */
#ifndef MPC_NODE_CONFIG_YAMLFILE_H
#define MPC_NODE_CONFIG_YAMLFILE_H

#include <stddef.h>

#include <cyaml/cyaml.h>

#include "common/status.h"

#define NODE_CONFIG_YAML_FILE_MAX (1u << 20) /* largest YAML file accepted, bytes */
#define NODE_CONFIG_YAML_PATH_MAX 256u       /* longest key path kept */
#define NODE_CONFIG_YAML_KEYS_MAX 4096u      /* keys and sequence entries per file */

/* Positions of the keys of one loaded file. Opaque. */
typedef struct node_config_yaml_doc node_config_yaml_doc;

/*
 * Reads path and loads it with schema (a CYAML_FLAG_POINTER mapping).
 * Out: *data — cleared on entry; on MPC_OK the loaded data (may be NULL for an
 *      empty document), freed with node_config_yaml_data_free(schema, *data).
 *      *doc — cleared on entry; on MPC_OK the position map, freed with
 *      node_config_yaml_doc_free.
 *      err — on failure "FILE:LINE:COL: key.path: message" (or "FILE: message").
 * In:  secret_keys — NULL-terminated list of key paths whose values are never
 *      quoted in messages (may be NULL).
 * Returns: MPC_OK; MPC_ERR_IO (cannot read, too large); MPC_ERR_PARSE (syntax);
 *          MPC_ERR_CONFIG (schema: unknown key, wrong type, duplicate...);
 *          MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_config_yaml_load(const char *path,
                                                const cyaml_schema_value_t *schema,
                                                const char *const *secret_keys, void **data,
                                                node_config_yaml_doc **doc, char *err,
                                                size_t err_cap);

/* Frees data loaded by node_config_yaml_load. Accepts NULL data. */
void node_config_yaml_data_free(const cyaml_schema_value_t *schema, void *data);

/*
 * Looks up the position of a key path ("limits.workers", "initiators[0]").
 * Out: *line, *col — 1-based; 0 if not found.
 * Returns: 1 if found, else 0.
 */
int node_config_yaml_doc_find(const node_config_yaml_doc *doc, const char *key_path, unsigned *line,
                              unsigned *col);

/*
 * Formats a semantic error: "FILE:LINE:COL: key_path: <fmt...>". If key_path
 * is not in the file, the position of its nearest present parent is used (for
 * "missing key" errors), or just "FILE: key_path: ..." at top level.
 */
void node_config_yaml_errorf(const node_config_yaml_doc *doc, char *err, size_t err_cap,
                             const char *key_path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Frees a doc. Accepts NULL. */
void node_config_yaml_doc_free(node_config_yaml_doc *doc);

#endif /* MPC_NODE_CONFIG_YAMLFILE_H */
