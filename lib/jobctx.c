#define _POSIX_C_SOURCE 200809L
#include "jobctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int jobctx_after_commit_kept(JobCtx *ctx, const char *arg)
{
    if (ctx->n_kept == ctx->cap_kept) {
        size_t ncap = ctx->cap_kept ? ctx->cap_kept * 2 : 4;
        char **n = realloc(ctx->kept, ncap * sizeof *n);
        if (!n) return -1;
        ctx->kept = n;
        ctx->cap_kept = ncap;
    }
    char *copy = strdup(arg);
    if (!copy) return -1;
    ctx->kept[ctx->n_kept++] = copy;
    return 0;
}

void jobctx_drop_kept(JobCtx *ctx)
{
    for (size_t i = 0; i < ctx->n_kept; i++) free(ctx->kept[i]);
    free(ctx->kept);
    ctx->kept = NULL;
    ctx->n_kept = ctx->cap_kept = 0;
}

int jobctx_store_kept(JobCtx *ctx, Db *db, FarmErr *err)
{
    for (size_t i = 0; i < ctx->n_kept; i++) {
        char seq[16];
        snprintf(seq, sizeof seq, "%zu", i + 1);
        const char *p[3] = {ctx->env->id, seq, ctx->kept[i]};
        if (db_execp(db, "INSERT INTO job_after (job_id, seq, arg) VALUES ($1, $2, $3)", 3, p, NULL,
                     err))
            return -1;
    }
    return 0;
}
