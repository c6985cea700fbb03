#include "jobctx.h"

#include <stdlib.h>

struct JobAfter {
    job_after_fn fn;
    void *arg;
    void (*free_arg)(void *);
};

int jobctx_after_commit(JobCtx *ctx, job_after_fn fn, void *arg, void (*free_arg)(void *))
{
    if (ctx->n_after == ctx->cap_after) {
        size_t ncap = ctx->cap_after ? ctx->cap_after * 2 : 8;
        struct JobAfter *n = realloc(ctx->after, ncap * sizeof *n);
        if (!n) {
            if (free_arg) free_arg(arg);
            return -1;
        }
        ctx->after = n;
        ctx->cap_after = ncap;
    }
    ctx->after[ctx->n_after++] = (struct JobAfter){fn, arg, free_arg};
    return 0;
}

static void clear(JobCtx *ctx, int run)
{
    for (size_t i = 0; i < ctx->n_after; i++) {
        struct JobAfter *a = &ctx->after[i];
        if (run) a->fn(ctx, a->arg);
        if (a->free_arg) a->free_arg(a->arg);
    }
    free(ctx->after);
    ctx->after = NULL;
    ctx->n_after = ctx->cap_after = 0;
}

void jobctx_run_after(JobCtx *ctx) { clear(ctx, 1); }
void jobctx_drop_after(JobCtx *ctx) { clear(ctx, 0); }
