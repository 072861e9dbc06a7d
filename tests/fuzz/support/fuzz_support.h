/*
 * fuzz_support.h — shared pieces of the libFuzzer harnesses (tests/fuzz/).
 *
 * Deterministic randomness: fuzz_rng_install() replaces libsodium's
 * randombytes (the only source of randomness of the node, common/secmem.c)
 * with independent splitmix64 streams, one per simulated party plus one for
 * fixtures. A harness selects the stream of the party it calls into, so a
 * party replayed alone draws exactly what it drew in the recorded run: the
 * recorded messages of the other parties stay consistent with its state.
 * NOT a CSPRNG; fuzz builds only.
 *
 * Seed corpora: with FUZZ_GEN_SEEDS=<dir> in the environment a harness writes
 * its seed inputs (built from real encoders / an honest protocol run, never
 * hand-typed) into <dir> from LLVMFuzzerInitialize and exits (make fuzz-seeds).
 *
 * Protocol driver: records an honest run of a tss_protocol among n
 * parties (fuzz_proto_record), then replays the messages delivered to one
 * target party with one of them replaced by fuzz bytes (fuzz_proto_one): a
 * malicious peer's message, at any round, against a valid state.
 *
 * THREAD SAFETY: none; one harness, one thread.
 */
#ifndef MPC_TESTS_FUZZ_SUPPORT_H
#define MPC_TESTS_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "session/protocol.h"

#define FUZZ_RNG_STREAMS 17 /* parties 0..15, then the fixture stream */
#define FUZZ_RNG_FIXTURE 16 /* stream for fixtures (key generation at init) */
#define FUZZ_PROTO_MAX   8  /* parties in a recorded run */

/* Installs the deterministic randombytes. Call first in LLVMFuzzerInitialize. */
void fuzz_rng_install(void);
/* Makes stream k current. */
void fuzz_rng_select(uint32_t k);
/* Rewinds stream k to its start. */
void fuzz_rng_reset(uint32_t k);
/* Position of stream k (for snapshots), and setting it back. */
uint64_t fuzz_rng_get(uint32_t k);
void fuzz_rng_set(uint32_t k, uint64_t state);

/* Returns: the seed output directory (FUZZ_GEN_SEEDS), or NULL when fuzzing. */
const char *fuzz_seed_dir(void);
/* If this run was asked for seeds (FUZZ_GEN_SEEDS): write_seeds(dir), then
 * exit(0). Otherwise returns (fuzzing). Call last in LLVMFuzzerInitialize. */
void fuzz_seeds_or_fuzz(void (*write_seeds)(const char *dir));
/* Installs the deterministic randombytes, then generates *id (a node identity,
 * the same in every run); aborts on failure. Caller owns *id. */
struct node_store_identity;
void fuzz_init_with_identity(struct node_store_identity **id);
/* Writes data[0..len) as <dir>/seed-<name>; aborts on I/O failure (generator only). */
void fuzz_seed_write(const char *dir, const char *name, const uint8_t *data, size_t len);
/* Writes two concatenated parts as one seed. */
void fuzz_seed_write2(const char *dir, const char *name, const uint8_t *a, size_t a_len,
                      const uint8_t *b, size_t b_len);

/*
 * Records an honest run of proto among parties p[0..n) (p[i].self == i; all
 * pointers must stay valid for the process) and keeps the messages delivered
 * to party `target`, in delivery order. Aborts if the honest run does not
 * finish for every party (a broken fixture, not a finding).
 */
void fuzz_proto_record(const tss_protocol *proto, const tss_params *p, uint32_t n, uint32_t target);
/*
 * One fuzz input: data[0] picks the recorded message k to replace, data[1]
 * bit 0 flips its broadcast flag, data[2..) are its new bytes. Starts from the
 * target's state just before message k (a heap snapshot taken once at start-up,
 * tests/fuzz/support/fuzz_arena.h), hands it the fuzz bytes, then the recorded
 * messages after k while it runs; aborts only on a broken invariant (culprit
 * out of range, result missing, memory of the run not freed).
 */
int fuzz_proto_one(const uint8_t *data, size_t size);
/* Writes one seed per recorded message (its honest bytes) into dir. */
void fuzz_proto_seeds(const char *dir);

#endif /* MPC_TESTS_FUZZ_SUPPORT_H */
