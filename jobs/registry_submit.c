/* registry_submit.c - the checks of a submission (registry.h), shared by
 * the CLI and the status API so both refuse exactly the same input. */
#include "registry.h"

int registry_has_admit(const Config *cfg, const char *name)
{
    const JobKind *k = registry_find(cfg, name);
    return k && k->admit;
}

int registry_submit_check(const Config *cfg, const Envelope *env, Db *backtest, int *admit_skipped,
                          FarmErr *err)
{
    const JobKind *kind;
    void *plan = NULL;
    if (admit_skipped) *admit_skipped = 0;
    if (registry_plan(cfg, env->kind, env->payload, &kind, &plan, err)) return -1;
    int rc = 0;
    if (kind->admit && backtest) rc = kind->admit(backtest, plan, err);
    else if (kind->admit && admit_skipped) *admit_skipped = 1;
    kind->plan_free(plan);
    return rc;
}
