/*
 * cli_status.c — `mpc-cli status NODE`: asks a node for its live snapshot
 * over NATS (request/reply on mpc.n.<node>.status; schema in
 * session/snapshot.c) and prints it: a summary and a table of live
 * sessions, or the JSON document as received (--json).
 */
#include "node/cli/cli.h"
#include "transport/subject.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "node/client/ids.h"
#include "transport/subject.h"

#define REPLY_MAX       (4u << 20) /* largest snapshot accepted */
#define DEFAULT_TIMEOUT 3000u      /* ms */

static const char status_usage[] =
    "usage: mpc-cli status [--json] [--timeout S] NODE_ID\n"
    "\n"
    "Prints a node's live snapshot (mpc.n.<NODE_ID>.status): uptime, sessions\n"
    "started/done/failed, admission permits, dropped messages, NATS reconnects,\n"
    "and one line per live session (op, state, round, elapsed, mailbox).\n"
    "\n"
    "  --json                  print the snapshot JSON as received (indented)\n"
    "  --timeout S             wait at most S seconds for the answer (default 3)\n" CLI_NATS_HELP;

/* Returns: integer member k of o, or 0. */
static long long
jint(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* Returns: string member k of o, or "?". */
static const char *
jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "?";
}

static void
print_node(const json_t *node)
{
    const json_t *tr = json_object_get(node, "transport");
    printf("node %s  up %.1f s\n", jstr(node, "self_id"), (double)jint(node, "uptime_ms") / 1e3);
    printf("  sessions   live %lld (high %lld)  started %lld  done %lld  failed %lld\n",
           jint(node, "live"), jint(node, "live_high_water"), jint(node, "started"),
           jint(node, "done"), jint(node, "failed"));
    printf("  permits    %lld / %lld in use\n", jint(node, "permits_in_use"),
           jint(node, "permits_max"));
    printf("  faults     trapped %lld  quarantined %lld\n", jint(node, "faults_trapped"),
           jint(node, "quarantined"));
    printf("  dropped    replays %lld  late %lld  bad %lld  (parked %lld, busy %lld, gone %lld)\n",
           jint(node, "replays_dropped"), jint(node, "late_dropped"), jint(node, "bad_dropped"),
           jint(node, "parked"), jint(node, "busy_replies"), jint(node, "gone_replies"));
    const json_t *kos = json_object_get(node, "kos");
    if (kos != NULL) { /* DKLs23 KOS quarantines (node/kos.h) */
        const json_t *pairs = json_object_get(kos, "quarantined_pairs");
        printf("  kos        checks %lld  failed %lld  unstored %lld  pairs %zu\n",
               jint(kos, "checks"), jint(kos, "check_failures"), jint(kos, "unstored"),
               json_array_size(pairs));
        for (size_t i = 0; i < json_array_size(pairs); i++) {
            const json_t *q = json_array_get(pairs, i);
            printf("    quarantined %s/%s v%lld: %s accuses %s\n", jstr(q, "key_type"),
                   jstr(q, "wallet"), jint(q, "version"), jstr(q, "accuser"), jstr(q, "accused"));
        }
    }
    if (tr != NULL) {
        printf("  nats       disconnects %lld  reconnects %lld  subscriptions %lld\n",
               jint(tr, "disconnects"), jint(tr, "reconnects"), jint(tr, "subscriptions"));
    }
}

/* The key-state agreement (node/keystate_node.c): rounds and every finding. */
static void
print_keystate(const json_t *ks)
{
    const json_t *list = json_object_get(ks, "findings");
    printf("  keystate   rounds %lld  exchanges %lld  failures %lld  rejected %lld  catch-ups "
           "%lld  findings %zu\n",
           jint(ks, "rounds"), jint(ks, "exchanges"), jint(ks, "failures"), jint(ks, "rejected"),
           jint(ks, "catch_ups"), json_array_size(list));
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *f = json_array_get(list, i);
        printf("    %s %s/%s with %s: mine v%lld, peer v%lld%s%s\n", jstr(f, "kind"),
               jstr(f, "key_type"), jstr(f, "wallet"), jstr(f, "peer"), jint(f, "my_version"),
               jint(f, "peer_version"), json_object_get(f, "field") != NULL ? ", differs in " : "",
               json_object_get(f, "field") != NULL ? jstr(f, "field") : "");
    }
}

static void
print_sessions(const json_t *sessions)
{
    size_t n = json_array_size(sessions);
    if (n == 0) {
        printf("no live sessions\n");
        return;
    }
    printf("%-32s %-8s %-9s %-12s %-11s %5s %9s %7s %7s\n", "sid", "op", "key", "wallet", "state",
           "round", "elapsed", "mailbox", "retries");
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(sessions, i);
        printf("%-32s %-8s %-9s %-12.12s %-11s %5lld %7lldms %3lld/%-3lld %7lld\n", jstr(s, "sid"),
               jstr(s, "op"), jstr(s, "key_type"), jstr(s, "wallet"), jstr(s, "state"),
               jint(s, "round"), jint(s, "elapsed_ms"), jint(s, "mailbox_depth"),
               jint(s, "mailbox_high_water"), jint(s, "retries"));
    }
}

static int
status_print(const uint8_t *reply, size_t len, int json)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)reply, len, 0, &jerr);
    if (doc == NULL) {
        cli_errf("the node's answer is not JSON: %s", jerr.text);
        return CLI_EXIT_FAILED;
    }
    if (json) {
        cli_json_print(doc);
    } else {
        const json_t *node = json_object_get(doc, "node");
        if (node != NULL) {
            print_node(node);
        }
        if (json_object_get(doc, "keystate") != NULL) {
            print_keystate(json_object_get(doc, "keystate"));
        }
        print_sessions(json_object_get(doc, "sessions"));
    }
    json_decref(doc);
    return CLI_EXIT_OK;
}

int
cli_cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"nats", required_argument, NULL, CLI_OPT_NATS},
        {"user", required_argument, NULL, CLI_OPT_USER},
        {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
        {NULL, 0, NULL, 0},
    };
    struct cli_nats_opts nats;
    memset(&nats, 0, sizeof(nats));
    int json = 0;
    uint64_t timeout = DEFAULT_TIMEOUT;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_nats_opt(&nats, c, optarg)) {
            continue;
        }
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(status_usage, stdout);
            return CLI_EXIT_OK;
        case 't':
            if (cli_parse_u64(optarg, 1, 3600, &timeout) != 0) {
                return cli_usage_error(status_usage, "--timeout: seconds expected");
            }
            timeout *= 1000;
            break;
        default:
            return cli_usage_error(status_usage, NULL);
        }
    }
    if (argc - optind != 1 || !node_client_node_id_is_valid(argv[optind])) {
        return cli_usage_error(status_usage, "exactly one valid NODE_ID expected");
    }
    char subject[TRANSPORT_SUBJECT_MAX];
    if (transport_subject_build(subject, sizeof subject, TRANSPORT_SUBJ_STATUS, argv[optind], NULL,
                                NULL) != MPC_OK) {
        return cli_usage_error(status_usage, "NODE_ID is not a subject token");
    }
    uint8_t *reply = malloc(REPLY_MAX);
    if (reply == NULL) {
        return CLI_EXIT_FAILED;
    }
    size_t len = 0;
    mpc_status st =
        cli_nats_request(&nats, subject, (const uint8_t *)"{}", 2, timeout, reply, REPLY_MAX, &len);
    int rc;
    if (st == MPC_OK) {
        rc = status_print(reply, len, json);
    } else {
        if (st == MPC_ERR_NO_RESPONDERS) {
            cli_errf("node %s does not answer on %s (not running?)", argv[optind], subject);
        } else if (st == MPC_ERR_TIMEOUT) {
            cli_errf("node %s: no answer within %llu ms", argv[optind],
                     (unsigned long long)timeout);
        } else if (st != MPC_ERR_NOT_CONNECTED && st != MPC_ERR_PERMISSION) {
            cli_errf("status request: %s", mpc_status_str(st));
        }
        rc = cli_exit_for_nats(st);
    }
    free(reply);
    return rc;
}
