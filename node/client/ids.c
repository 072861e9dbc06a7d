/*
 * ids.c — identifier syntax checks (node/client/ids.h).
 */
#include "node/client/ids.h"

#include <string.h>

/* Returns: 1 if s is 1..max characters from [A-Za-z0-9_-], plus '.' if dot_ok. */
static int
charset_ok(const char *s, size_t max, int dot_ok)
{
    if (s == NULL) {
        return 0;
    }
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || (dot_ok && c == '.');
        if (!ok || n >= max) {
            return 0;
        }
    }
    return n >= 1;
}

int
node_client_token_is_valid(const char *s, size_t max)
{
    return charset_ok(s, max, 0);
}

int
node_client_node_id_is_valid(const char *s)
{
    return node_client_token_is_valid(s, NODE_ID_MAX);
}

int
node_client_id_is_valid(const char *s)
{
    return node_client_token_is_valid(s, NODE_CLIENT_ID_MAX);
}

int
node_client_wallet_id_is_valid(const char *s)
{
    return charset_ok(s, NODE_CLIENT_WALLET_ID_MAX, 1);
}

int
node_client_request_id_is_valid(const char *s)
{
    return node_client_token_is_valid(s, NODE_CLIENT_REQUEST_ID_MAX);
}
