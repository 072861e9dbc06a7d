/*
 * ratelimit.h — per-initiator request rate limit of the intake (token
 * buckets): each configured initiator key may start `rate` requests per
 * second on average and `burst` at once. A stolen client credential can then
 * occupy only its own share of the node; requests over the rate are refused
 * (MPC_ERR_REQ_RATE_LIMITED) before any key-store work or session.
 *
 * Only authenticated requests are counted: the bucket of a key is charged
 * after its signature verified, so nobody can drain another initiator's
 * bucket by naming its key.
 *
 * THREAD SAFETY: none; the intake thread owns it.
 */
#ifndef MPC_NODE_RATELIMIT_H
#define MPC_NODE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define NODE_RATELIMIT_KEYS 64u /* buckets: one per initiator index */

/* Token buckets, one per initiator index. Plain struct: zero it, then node_ratelimit_init. */
struct node_ratelimit {
    uint32_t rate;                         /* tokens added per second (>= 1) */
    uint32_t burst;                        /* bucket size (>= 1) */
    uint64_t milli[NODE_RATELIMIT_KEYS];   /* tokens x 1000 held, per bucket */
    uint64_t last_ms[NODE_RATELIMIT_KEYS]; /* monotonic time of the last refill, per bucket */
    int used[NODE_RATELIMIT_KEYS];         /* 1 once the bucket was first touched */
};

/* Sets rate and burst (0 is taken as 1); every bucket starts full. */
void node_ratelimit_init(struct node_ratelimit *rl, uint32_t rate, uint32_t burst);

/*
 * Takes one token from bucket `key` at monotonic time now_ms.
 * Returns: 1 if the request may go on; 0 if the bucket is empty or key is out
 *          of range (a key index the policy cannot produce).
 */
int node_ratelimit_take(struct node_ratelimit *rl, int key, uint64_t now_ms);

#endif /* MPC_NODE_RATELIMIT_H */
