/* registry_run.c - each kind's runner, in registry order. Only the worker
 * (and the tests and benches that run jobs) reference this file; the
 * scheduler and the CLI plan jobs without linking any kind's run code. */
#include "registry.h"

#include "backtest/backtest_job.h"
#include "agent_analysis/aa_job.h"
#include "fvg_scan/fvg_scan_job.h"
#include "indicators/indicators_job.h"
#include "noop/noop_job.h"
#include "testkinds/testkinds_job.h"

static const JobRunner *const runners[] = {
    &indicators_runner, &fvg_scan_runner, &agent_analysis_runner, &backtest_runner,
    &noop_runner,       &sleep_runner,    &fail_runner,
};

const JobRunner *registry_runner(const JobKind *kind)
{
    for (size_t i = 0; i < sizeof runners / sizeof runners[0]; i++)
        if (runners[i]->kind == kind) return runners[i];
    return NULL;
}
