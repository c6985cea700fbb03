/* The arena of big arrays: a block given back is lent again to the next
 * request it fits, small requests and unknown blocks are plain malloc, and
 * without an arena every block is fresh. */
#define _GNU_SOURCE
#include "th.h"

#include <stdint.h>
#include <string.h>

#include "strategy/strat_mem.h"

TEST(strat_mem_arena_lends_given_back_blocks_again)
{
    StratArena *a = strat_arena_new();
    REQUIRE(a);
    size_t big = 8u << 20;
    char *x = strat_mem_alloc(a, big), *y = strat_mem_alloc(a, big);
    REQUIRE(x && y && x != y);
    CHECK(((uintptr_t)x & (STRAT_MEM_PAGE - 1)) == 0);     /* whole huge pages */
    memset(x, 1, big);
    strat_mem_free(a, x);
    char *z = strat_mem_alloc(a, big - 100);                /* fits: the same block, as it was left */
    CHECK(z == x);
    CHECK(z[big - 1] == 1);
    char *w = strat_mem_alloc(a, 2 * big);                  /* does not fit: a new block */
    CHECK(w && w != x && w != y);
    char *small = strat_mem_alloc(a, 100);                  /* below STRAT_MEM_BIG: not kept */
    REQUIRE(small);
    strat_mem_free(a, small);
    strat_mem_free(a, y);
    strat_mem_free(a, z);
    strat_mem_free(a, w);
    strat_mem_free(a, NULL);
    strat_arena_free(a);                                    /* frees what it kept (ASan checks) */
    char *f = strat_mem_alloc(NULL, big);
    REQUIRE(f);
    f[0] = 1;
    strat_mem_free(NULL, f);
    strat_arena_free(NULL);
}
