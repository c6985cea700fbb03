#include "noop_job.h"

static int noop_validate(const json_t *payload, FarmErr *err)
{
    (void)payload; (void)err;
    return 0;
}

static int noop_run(JobCtx *ctx, const json_t *payload, FarmErr *err)
{
    (void)ctx; (void)payload; (void)err;
    return 0;
}

const JobKind noop_kind = {"noop", noop_validate, noop_run, 0, 0, NULL};
