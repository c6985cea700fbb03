/* lib/config_pool.c: one copy per distinct text, copies of their own,
 * aligned blocks, large requests, and everything freed at once (ASan
 * finds what is not). */
#define _GNU_SOURCE
#include "th.h"
#include "config_pool.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

TEST(config_pool_interns_one_copy_per_text)
{
    ConfigPool p = {0};
    char *a = config_pool_intern(&p, "America/New_York");
    char buf[32];
    snprintf(buf, sizeof buf, "America/%s", "New_York");
    CHECK(config_pool_intern(&p, buf) == a);
    CHECK(config_pool_intern(&p, "America/New_Yor") != a);
    CHECK(config_pool_intern(&p, "") == config_pool_intern(&p, ""));
    char *c = config_pool_copy(&p, "America/New_York");
    CHECK(c != a);
    CHECK_STR(c, a);
    /* Thousands of texts: the set grows, earlier pointers stay valid. */
    char *first[5000];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "zone-%d", i);
        first[i] = config_pool_intern(&p, buf);
        REQUIRE(first[i] != NULL);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "zone-%d", i);
        CHECK(config_pool_intern(&p, buf) == first[i]);
        CHECK_STR(first[i], buf);
    }
    CHECK_STR(a, "America/New_York");
    config_pool_free(&p);
    CHECK(p.blocks == NULL && p.set == NULL);
    config_pool_free(&p);   /* twice, and NULL: no-ops */
    config_pool_free(NULL);
}

TEST(config_pool_allocations_are_aligned_and_large_ones_fit)
{
    ConfigPool p = {0};
    for (int i = 0; i < 1000; i++) {
        (void)config_pool_copy(&p, "x");   /* leaves the free space unaligned */
        char **arr = config_pool_alloc(&p, (size_t)(i % 7 + 1) * sizeof *arr);
        REQUIRE(arr != NULL);
        CHECK((uintptr_t)arr % 8 == 0);
        arr[i % 7] = NULL;
    }
    size_t big = 3 * 1024 * 1024;
    char *b = config_pool_alloc(&p, big);
    REQUIRE(b != NULL);
    memset(b, 'b', big);
    char *after = config_pool_copy(&p, "after");   /* the newest block still serves */
    CHECK_STR(after, "after");
    CHECK(b[big - 1] == 'b');
    CHECK(config_pool_alloc(&p, 0) != NULL);
    config_pool_free(&p);
}
