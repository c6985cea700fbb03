/* config_pool.c - an arena that interns strings (config_pool.h). */
#include "config_pool.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_BLOCK 1024            /* a small config stays small */
#define MAX_BLOCK (256 * 1024)      /* a large one: few mallocs, pages touched as filled */
#define ALIGN 8                     /* pointers and 64-bit integers */

typedef struct ConfigPoolBlock {
    struct ConfigPoolBlock *next;
    uint64_t data[];                /* the block's bytes, 8-aligned */
} Block;

typedef struct ConfigPoolSlot {
    char *s;                        /* NULL: free */
    uint64_t hash;
} Slot;

/* A block of at least size bytes; it becomes the newest (its free space
 * the pool's) unless it is a large request's own, kept behind the newest
 * so that the newest block's free space stays in use. */
static void *new_block(ConfigPool *p, size_t size)
{
    size_t want = p->next_size ? p->next_size : FIRST_BLOCK;
    int own = size > want / 4;
    size_t bytes = own ? size : want;
    Block *b = malloc(sizeof *b + bytes);
    if (!b) return NULL;
    if (own && p->blocks) {
        b->next = p->blocks->next;
        p->blocks->next = b;
        return b->data;
    }
    b->next = p->blocks;
    p->blocks = b;
    p->free_at = (char *)b->data + size;
    p->free_left = bytes - size;
    if (!own) p->next_size = want < MAX_BLOCK ? want * 2 : MAX_BLOCK;
    return b->data;
}

static void *take(ConfigPool *p, size_t size, size_t align)
{
    size_t pad = (size_t)(-(uintptr_t)p->free_at & (align - 1));
    if (p->free_at && pad + size <= p->free_left) {
        char *at = p->free_at + pad;
        p->free_at = at + size;
        p->free_left -= pad + size;
        return at;
    }
    return new_block(p, size);
}

void *config_pool_alloc(ConfigPool *p, size_t size)
{
    return take(p, size ? size : 1, ALIGN);
}

static char *copy_len(ConfigPool *p, const char *s, size_t len)
{
    char *c = take(p, len + 1, 1);
    if (c) memcpy(c, s, len + 1);
    return c;
}

char *config_pool_copy(ConfigPool *p, const char *s)
{
    return copy_len(p, s, strlen(s));
}

static uint64_t hash_of(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Twice the slots (at least 64), every string re-placed; -1 when out of memory. */
static int grow_set(ConfigPool *p)
{
    size_t cap = p->set_cap ? p->set_cap * 2 : 64;
    Slot *set = calloc(cap, sizeof *set);
    if (!set) return -1;
    for (size_t i = 0; i < p->set_cap; i++) {
        if (!p->set[i].s) continue;
        size_t j = (size_t)p->set[i].hash & (cap - 1);
        while (set[j].s) j = (j + 1) & (cap - 1);
        set[j] = p->set[i];
    }
    free(p->set);
    p->set = set;
    p->set_cap = cap;
    return 0;
}

char *config_pool_intern(ConfigPool *p, const char *s)
{
    size_t len = strlen(s);
    uint64_t h = hash_of(s, len);
    if (2 * (p->set_used + 1) > p->set_cap && grow_set(p) < 0) return NULL;
    size_t mask = p->set_cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        Slot *sl = &p->set[i];
        if (sl->s && sl->hash == h && strcmp(sl->s, s) == 0) return sl->s;
        if (sl->s) continue;
        if (!(sl->s = copy_len(p, s, len))) return NULL;
        sl->hash = h;
        p->set_used++;
        return sl->s;
    }
}

void config_pool_free(ConfigPool *p)
{
    if (!p) return;
    for (Block *b = p->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(p->set);
    memset(p, 0, sizeof *p);
}
