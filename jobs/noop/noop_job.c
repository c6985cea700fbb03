#include "noop_job.h"

static int noop_validate(const Config *cfg, const json_t *payload, void **plan, FarmErr *err)
{
    (void)cfg; (void)payload; (void)err;
    *plan = NULL;
    return 0;
}

static void noop_plan_free(void *plan) { (void)plan; }

static int noop_run(JobCtx *ctx, const void *plan, FarmErr *err)
{
    (void)ctx; (void)plan; (void)err;
    return 0;
}

/* Opt-in: a benchmark and smoke-test kind, not served unless listed. */
const JobKind noop_kind = {
    .config = {.name = "noop", .flags = CONFIG_KIND_OPT_IN, .default_timeout_s = 60},
    .validate = noop_validate, .plan_free = noop_plan_free,
};
const JobRunner noop_runner = {.kind = &noop_kind, .run = noop_run};

