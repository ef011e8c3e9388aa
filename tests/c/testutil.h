/*
 * testutil.h -- shared helpers for the CUnit suites.
 */
#ifndef UF_TESTUTIL_H
#define UF_TESTUTIL_H

#include <CUnit/CUnit.h>
#include <stddef.h>

#include "kernels/kernels.h"

typedef struct UfTestCase {
    const char *name;
    void (*fn)(void);
} UfTestCase;

/* clang-format off */
#define UF_CASE(f) {#f, f}
#define UF_CASES_END {NULL, NULL}
/* clang-format on */

/* Runs one suite of |cases| with CUnit's basic runner; returns the exit
 * status for main(): 0 when every assertion passed. */
int uf_test_main(const char *suite, const UfTestCase *cases);

/* ---- a counting allocator that can fail the n-th allocation ---------- */

/* Installs the counting allocator; fail_at < 0 never fails, otherwise the
 * allocation numbered fail_at (0-based) and all later ones fail. */
void uf_test_alloc_install(long fail_at);
/* Restores libc's allocator. */
void uf_test_alloc_uninstall(void);
long uf_test_alloc_count(void); /* allocations attempted since install */
long uf_test_alloc_live(void);  /* blocks still allocated */

/* Asserts that |fn| succeeds with the libc allocator, then fails every
 * allocation in turn, checking each run ends without a crash and with no
 * live blocks.  |fn| returns 0 on success, -1 on (clean) failure. */
void uf_test_alloc_sweep(int (*fn)(void *ud), void *ud);

/* ---- kir text ---------------------------------------------------------- */

/* The kernel |text| parses to (new; the test stops when it does not). */
KirKernel *uf_test_parse_ok(const char *text);
/* |text| prints back exactly, verifies, and reprints the same under every
 * flag setting. */
void uf_test_round_trip(const char *text);

#endif /* UF_TESTUTIL_H */
