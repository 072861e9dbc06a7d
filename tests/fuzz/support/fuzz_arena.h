/*
 * fuzz_arena.h — snapshots of a protocol party's heap for the libFuzzer
 * protocol harnesses (fuzz builds only).
 *
 * Why: a protocol harness fuzzes message k of a recorded run against the state
 * the target party had just before it. Rebuilding that state costs the whole
 * protocol up to round k (DKLs23 base OTs: about a second per input under
 * ASan). Instead, every allocation the target makes while the arena is on
 * (malloc, calloc, realloc, strdup, strndup, free, mpc_secure_alloc/free,
 * redirected with the linker's --wrap) lands in one private region; a snapshot
 * keeps the bytes of the chunks alive at that moment, and a restore writes them
 * back at the same addresses, so every pointer inside the state stays valid.
 * The state is then as it was, for the cost of a copy.
 *
 * ASan still sees the arena: chunks are unpoisoned while alive, and the 16-byte
 * gaps between chunks, freed chunks and the unused rest are poisoned, so
 * overflows and uses after free inside the state are reported. Leaks: a run
 * must free everything it allocated in the arena (fuzz_arena_live() == 0 after
 * destroy), which the driver checks (LeakSanitizer does not see the arena).
 *
 * THREAD SAFETY: none; one harness thread. Only the thread running the target
 * may allocate while the arena is on.
 */
#ifndef MPC_TESTS_FUZZ_ARENA_H
#define MPC_TESTS_FUZZ_ARENA_H

#include <stddef.h>
#include <stdint.h>

/* Opaque snapshot. */
typedef struct fuzz_arena_snap fuzz_arena_snap;

/* Empties the arena (every chunk forgotten and poisoned). */
void fuzz_arena_reset(void);
/* Routes allocations of this thread to the arena (on = 1) or to the real heap. */
void fuzz_arena_on(int on);
/* Returns: chunks allocated in the arena and not freed. */
size_t fuzz_arena_live(void);
/* Returns: a snapshot of the live chunks (caller owns; aborts on failure). */
fuzz_arena_snap *fuzz_arena_snap_take(void);
/* Puts the arena back as it was at snap (chunks, contents, poisoning). */
void fuzz_arena_snap_restore(const fuzz_arena_snap *snap);
/* Returns: bytes held by a snapshot (for the harness's report). */
size_t fuzz_arena_snap_bytes(const fuzz_arena_snap *snap);

#endif /* MPC_TESTS_FUZZ_ARENA_H */
