/*
 * ratelimit.c — token buckets of the intake (node/ratelimit.h). Tokens are
 * kept in thousandths so that a rate of a few per second refills smoothly.
 */
#include "node/ratelimit.h"

#include <string.h>

void
node_ratelimit_init(struct node_ratelimit *rl, uint32_t rate, uint32_t burst)
{
    memset(rl, 0, sizeof *rl);
    rl->rate = rate != 0 ? rate : 1;
    rl->burst = burst != 0 ? burst : 1;
}

int
node_ratelimit_take(struct node_ratelimit *rl, int key, uint64_t now_ms)
{
    if (rl == NULL || key < 0 || (size_t)key >= NODE_RATELIMIT_KEYS) {
        return 0;
    }
    uint64_t cap = (uint64_t)rl->burst * 1000u;
    if (!rl->used[key]) {
        rl->used[key] = 1;
        rl->milli[key] = cap;
        rl->last_ms[key] = now_ms;
    }
    if (now_ms > rl->last_ms[key]) {
        uint64_t add = (now_ms - rl->last_ms[key]) * rl->rate; /* ms x tokens/s = milli-tokens */
        rl->milli[key] = add >= cap - rl->milli[key] ? cap : rl->milli[key] + add;
        rl->last_ms[key] = now_ms;
    }
    if (rl->milli[key] < 1000u) {
        return 0;
    }
    rl->milli[key] -= 1000u;
    return 1;
}
