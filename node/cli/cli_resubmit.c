/*
 * cli_resubmit.c — the resubmission schedule of mpc-cli (see
 * node/cli/cli_resubmit.h).
 */
#include "node/cli/cli_resubmit.h"

#include <stdio.h>

#include "node/cli/cli.h"

#define RESUBMIT_MS_MAX 3600000u /* an hour: longer than any sensible --timeout */

void
cli_resubmit_init(struct cli_resubmit *s, uint64_t interval_ms, uint32_t max, uint64_t now_ms)
{
    s->interval_ms = interval_ms;
    s->max = max;
    s->count = 0;
    s->last_ms = now_ms;
}

void
cli_resubmit_heard(struct cli_resubmit *s, uint64_t now_ms)
{
    s->last_ms = now_ms;
}

int
cli_resubmit_due(const struct cli_resubmit *s, uint64_t now_ms)
{
    return s->interval_ms > 0 && s->count < s->max && now_ms >= s->last_ms &&
           now_ms - s->last_ms >= s->interval_ms;
}

void
cli_resubmit_sent(struct cli_resubmit *s, uint64_t now_ms)
{
    s->count++;
    s->last_ms = now_ms;
}

mpc_status
cli_resubmit_msg_id(char *out, size_t cap, const char *base, uint32_t n)
{
    if (out == NULL || cap == 0 || base == NULL || base[0] == '\0' || n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    int w = snprintf(out, cap, "%s.r%u", base, (unsigned)n);
    if (w < 0 || (size_t)w >= cap) {
        out[0] = '\0';
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    return MPC_OK;
}

int
cli_resubmit_parse_ms(const char *arg, uint64_t *out)
{
    uint64_t v = 0; /* *out unchanged by a refusal */
    if (cli_parse_u64(arg, 0, RESUBMIT_MS_MAX, &v) != 0) {
        return -1;
    }
    *out = v;
    return 0;
}

int
cli_resubmit_parse_max(const char *arg, uint32_t *out)
{
    uint64_t v = 0;
    if (cli_parse_u64(arg, 0, CLI_RESUBMIT_MAX_MAX, &v) != 0) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}
