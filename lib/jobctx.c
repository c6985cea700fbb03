#define _POSIX_C_SOURCE 200809L
#include "jobctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jobctx_after_commit(JobCtx *ctx, const char *text)
{
    if (ctx->n_after == ctx->cap_after) {
        size_t ncap = ctx->cap_after ? ctx->cap_after * 2 : 4;
        char **n = realloc(ctx->after, ncap * sizeof *n);
        if (!n) return -1;
        ctx->after = n;
        ctx->cap_after = ncap;
    }
    char *copy = strdup(text);
    if (!copy) return -1;
    ctx->after[ctx->n_after++] = copy;
    return 0;
}

int jobctx_store_after(JobCtx *ctx, Db *db, FarmErr *err)
{
    for (size_t i = 0; i < ctx->n_after; i++) {
        char seq[16];
        snprintf(seq, sizeof seq, "%zu", i + 1);
        const char *p[3] = {ctx->env->id, seq, ctx->after[i]};
        if (db_execp(db, "INSERT INTO job_after (job_id, seq, arg) VALUES ($1, $2, $3)", 3, p, NULL,
                     err))
            return -1;
    }
    return 0;
}

void jobctx_drop_after(JobCtx *ctx)
{
    for (size_t i = 0; i < ctx->n_after; i++) free(ctx->after[i]);
    free(ctx->after);
    ctx->after = NULL;
    ctx->n_after = ctx->cap_after = 0;
}
