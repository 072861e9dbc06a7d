/*
 * cli_subjects.c — `mpc-cli subjects`: prints the subject scheme and the
 * NATS permission table of transport/subject.h and transport/subject_perm.h,
 * so the server configuration (--nats-conf writes the users block that
 * configs/cluster/nats-server.conf includes) and the permission tests
 * (--json: every user's rules and the allowed/refused cases derived from
 * them) come from the same table the code uses.
 */
#include "node/cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "node/client/ids.h"
#include "transport/subject_perm.h"

#define SUBJ_MAX_USERS 16u  /* --nodes entries at most */
#define SUBJ_MAX_CASES 160u /* derived cases per user at most */

static const char subjects_usage[] =
    "usage: mpc-cli subjects [--json | --nats-conf] [--nodes ID,ID,...] [--client USER]\n"
    "  Prints the NATS subject scheme and what each user may publish/subscribe.\n"
    "  --json          one JSON document: templates, and per user its rules and the\n"
    "                  allowed/refused cases the permission tests try\n"
    "  --nats-conf     the nats-server `users` entries (passwords from\n"
    "                  $MPC_NATS_PASS_<USER>, e.g. MPC_NATS_PASS_NODE1)\n"
    "  --nodes LIST    node users (default node-1,node-2,node-3)\n"
    "  --client USER   the client user (default client)\n";

/* One NATS user. */
struct subj_user {
    const char *name;    /* user name (node id for nodes) */
    transport_role role; /* its role */
    const char *other;   /* another node, for the derived cases */
};

/* Appends the rendered rules of u in direction dir (deny or allow) to arr. */
static int
subj_rules_json(const struct subj_user *u, transport_perm_dir dir, int deny, json_t *arr)
{
    size_t n = 0;
    const transport_perm_rule *r = transport_perm_rules(&n);
    for (size_t i = 0; i < n; i++) {
        char pat[TRANSPORT_SUBJECT_MAX];
        if (r[i].role != u->role || r[i].dir != dir || r[i].deny != deny) {
            continue;
        }
        if (transport_perm_render(&r[i], u->name, pat, sizeof pat) != MPC_OK ||
            json_array_append_new(arr, json_string(pat)) != 0) {
            return -1;
        }
    }
    return 0;
}

static json_t *
subj_dir_json(const struct subj_user *u, transport_perm_dir dir)
{
    json_t *o = json_object(), *allow = json_array(), *deny = json_array();
    if (o == NULL || allow == NULL || deny == NULL || subj_rules_json(u, dir, 0, allow) != 0 ||
        subj_rules_json(u, dir, 1, deny) != 0) {
        json_decref(o);
        json_decref(allow);
        json_decref(deny);
        return NULL;
    }
    json_object_set_new(o, "allow", allow);
    json_object_set_new(o, "deny", deny);
    return o;
}

static json_t *
subj_cases_json(const struct subj_user *u)
{
    static transport_perm_case cases[SUBJ_MAX_CASES];
    size_t n = 0;
    if (transport_perm_cases(u->role, u->name, u->other, cases, SUBJ_MAX_CASES, &n) != MPC_OK) {
        return NULL;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *c = json_pack("{s:s, s:s, s:b}", "action",
                              cases[i].dir == TRANSPORT_PERM_PUBLISH ? "pub" : "sub", "subject",
                              cases[i].subject, "allowed", cases[i].allowed);
        if (c == NULL || json_array_append_new(arr, c) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static int
subj_print_json(const struct subj_user *users, size_t n_users)
{
    json_t *root = json_object(), *kinds = json_array(), *ua = json_array();
    int bad = root == NULL || kinds == NULL || ua == NULL;
    for (int k = 0; !bad && k < TRANSPORT_SUBJ_COUNT; k++) {
        bad =
            json_array_append_new(
                kinds, json_pack("{s:s, s:s}", "kind",
                                 transport_subject_kind_name((transport_subject_kind)k), "template",
                                 transport_subject_template((transport_subject_kind)k))) != 0;
    }
    for (size_t i = 0; !bad && i < n_users; i++) {
        json_t *pub = subj_dir_json(&users[i], TRANSPORT_PERM_PUBLISH);
        json_t *sub = subj_dir_json(&users[i], TRANSPORT_PERM_SUBSCRIBE);
        json_t *cases = subj_cases_json(&users[i]);
        json_t *u = pub != NULL && sub != NULL && cases != NULL
                        ? json_pack("{s:s, s:s, s:b, s:o, s:o, s:o}", "user", users[i].name, "role",
                                    transport_role_name(users[i].role), "allow_responses",
                                    transport_role_allow_responses(users[i].role), "publish", pub,
                                    "subscribe", sub, "cases", cases)
                        : NULL;
        if (u == NULL) {
            json_decref(pub);
            json_decref(sub);
            json_decref(cases);
        }
        bad = u == NULL || json_array_append_new(ua, u) != 0;
    }
    if (!bad) {
        json_object_set_new(root, "subjects", kinds);
        json_object_set_new(root, "users", ua);
        kinds = ua = NULL;
        bad = json_dumpf(root, stdout, JSON_INDENT(1)) != 0 || fputc('\n', stdout) == EOF;
    }
    json_decref(kinds);
    json_decref(ua);
    json_decref(root);
    return bad ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

static int
subj_print_conf(const struct subj_user *users, size_t n_users)
{
    const char *nodes[SUBJ_MAX_USERS];
    for (size_t i = 0; i + 1 < n_users; i++) {
        nodes[i] = users[i].name;
    }
    mpc_status st =
        transport_perm_conf_write(stdout, nodes, n_users - 1, users[n_users - 1].name, NULL);
    if (st != MPC_OK) {
        cli_errf("writing the users block: %s", mpc_status_str(st));
    }
    return st == MPC_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

/* Splits list into users[] (node role); returns the count, or 0 on a bad id. */
static size_t
subj_parse_nodes(char *list, struct subj_user *users, size_t cap)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        if (n >= cap || !node_client_node_id_is_valid(t) || !transport_subject_token_ok(t)) {
            return 0;
        }
        users[n++] = (struct subj_user){t, TRANSPORT_ROLE_NODE, NULL};
    }
    for (size_t i = 0; i < n; i++) {
        users[i].other = n > 1 ? users[(i + 1) % n].name : "node-x";
    }
    return n;
}

int
cli_cmd_subjects(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},        {"nats-conf", no_argument, NULL, 'c'},
        {"nodes", required_argument, NULL, 'n'}, {"client", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    char nodes[512] = "node-1,node-2,node-3";
    const char *client = "client";
    int mode = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
        case 'c':
            mode = c;
            break;
        case 'n':
            if (strlen(optarg) >= sizeof nodes) {
                return cli_usage_error(subjects_usage, "--nodes: too long");
            }
            snprintf(nodes, sizeof nodes, "%s", optarg);
            break;
        case 'u':
            client = optarg;
            break;
        case 'h':
            fputs(subjects_usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(subjects_usage, NULL);
        }
    }
    if (optind != argc) {
        return cli_usage_error(subjects_usage, "unexpected argument");
    }
    struct subj_user users[SUBJ_MAX_USERS + 1];
    size_t n = subj_parse_nodes(nodes, users, SUBJ_MAX_USERS);
    if (n == 0 || !transport_subject_token_ok(client)) {
        return cli_usage_error(subjects_usage, "--nodes/--client: bad user name");
    }
    users[n++] = (struct subj_user){client, TRANSPORT_ROLE_CLIENT, users[0].name};
    if (mode == 'c') {
        return subj_print_conf(users, n);
    }
    if (mode == 'j') {
        return subj_print_json(users, n);
    }
    for (int k = 0; k < TRANSPORT_SUBJ_COUNT; k++) {
        printf("%-18s %s\n", transport_subject_kind_name((transport_subject_kind)k),
               transport_subject_template((transport_subject_kind)k));
    }
    return subj_print_conf(users, n);
}
