#include "registry.h"

#include <pthread.h>
#include <string.h>

#include "backtest/backtest_job.h"
#include "agent_analysis/aa_job.h"
#include "fvg_scan/fvg_scan_job.h"
#include "indicators/indicators_job.h"
#include "noop/noop_job.h"
#include "testkinds/testkinds_job.h"

static const JobKind *const kinds[] = {
    &indicators_kind,
    &fvg_scan_kind,
    &agent_analysis_kind,
    &backtest_kind,
    &noop_kind,
    &sleep_kind,
    &fail_kind,
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* The kinds' configuration declarations, in the same order. */
static const ConfigKindDecl *decls[N_KINDS];
static pthread_once_t decls_once = PTHREAD_ONCE_INIT;

static void decls_init(void)
{
    for (size_t i = 0; i < N_KINDS; i++) decls[i] = &kinds[i]->config;
}

const JobKind *const *registry_all(size_t *n)
{
    *n = N_KINDS;
    return kinds;
}

const JobKind *registry_find(const Config *cfg, const char *name)
{
    if (!config_kind_valid(cfg, name)) return NULL;
    for (size_t i = 0; i < N_KINDS; i++)
        if (strcmp(kinds[i]->config.name, name) == 0) return kinds[i];
    return NULL;
}

int registry_config_load(const char *path_or_null, Config **out, FarmErr *err)
{
    pthread_once(&decls_once, decls_init);
    return config_load(path_or_null, decls, N_KINDS, out, err);
}

int registry_config_load_all(const char *path_or_null, Config **out, char **errors)
{
    pthread_once(&decls_once, decls_init);
    return config_load_all(path_or_null, decls, N_KINDS, out, errors);
}

int registry_plan(const Config *cfg, const char *name, const json_t *payload,
                  const JobKind **kind, void **plan, FarmErr *err)
{
    *plan = NULL;
    if (!(*kind = registry_find(cfg, name)))
        return err_set(err, SF_EINPUT, "unknown job kind \"%s\"", name ? name : "");
    return (*kind)->validate(cfg, payload, plan, err);
}
