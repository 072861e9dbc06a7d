/*
 * vec_frost.h — checkers for FROST(Ed25519, SHA-512) vector files.
 *
 * vec_frost_sign_file: an RFC 9591 vector file (config, inputs with the
 * group secret, polynomial coefficients and participant shares, round one
 * nonces/commitments/binding factors, round two signature shares, final
 * signature): every output is recomputed from the inputs and compared.
 * vec_frost_dkg_file: a ZcashFoundation frost DKG vector file (per
 * participant: polynomial, VSS commitments, proof of knowledge, received
 * signing shares, final signing/verifying shares; group verifying key).
 *
 * THREAD SAFETY: none (test program helpers).
 */
#ifndef MPC_TESTS_VEC_FROST_H
#define MPC_TESTS_VEC_FROST_H

#include "tests/support/vec_util.h"

/* Runs every check of the RFC 9591 file at path into r (a parse error is a failed check). */
void vec_frost_sign_file(const char *path, vec_report *r);

/* Runs every check of the ZF DKG file at path into r. */
void vec_frost_dkg_file(const char *path, vec_report *r);

#endif /* MPC_TESTS_VEC_FROST_H */
