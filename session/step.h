/*
 * step.h — one guarded protocol step of a session (internal, worker only).
 *
 * THREAD SAFETY: called only by the worker that runs the session.
 */
#ifndef MPC_SESSION_STEP_H
#define MPC_SESSION_STEP_H

#include "session/internal.h"

/* Which protocol call a step makes. */
typedef enum {
    SESSION_STEP_CREATE = 0,  /* create the state from the spec */
    SESSION_STEP_START = 1,   /* emit round-1 messages */
    SESSION_STEP_HANDLE = 2,  /* handle one message */
    SESSION_STEP_RESULT = 3,  /* take the result */
    SESSION_STEP_DESTROY = 4, /* free the state */
} session_step_kind;

/* In/out of one step. */
typedef struct {
    session *s;             /* the session (in) */
    session_step_kind kind; /* which call (in) */
    uint32_t from;          /* HANDLE: sender (in) */
    uint32_t round;         /* HANDLE: round (in) */
    int is_broadcast;       /* HANDLE: arrived on .b (in) */
    const uint8_t *data;    /* HANDLE: payload (in, borrowed) */
    size_t len;             /* HANDLE: payload length (in) */
    mpc_outbox *out;        /* START/HANDLE: messages emitted (in/out) */
    uint8_t *res;           /* RESULT: result bytes (out, mpc_secure_alloc'd) */
    size_t res_len;         /* RESULT: length (out) */
    uint32_t cur_round;     /* protocol round after a successful step (out) */
    int is_done;            /* protocol done after a successful step (out) */
    uint32_t culprit;       /* on error: party blamed by the protocol (out) */
    uint32_t dispute[2];    /* on error without culprit: the parties the failed check points
                               at (tss_proto_dispute), SESSION_NO_CULPRIT if none (out) */
    int disputed;           /* 1 if dispute is set (out) */
} session_step;

/*
 * Runs the step in the fault guard. On a trapped fault c->out's messages and
 * c->res are wiped and freed, the session's state is destroyed (wiped) or,
 * if destroying it faults too, quarantined, and s->quarantined is set (the
 * session runs no further protocol step).
 * Returns: the protocol's status, MPC_ERR_FAULT after a trapped fault,
 *          MPC_ERR_SESSION_STATE if the session has no usable state.
 */
MPC_MUST_CHECK mpc_status session_step_run(session_step *c);

#endif /* MPC_SESSION_STEP_H */
