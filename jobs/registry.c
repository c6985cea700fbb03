#include "registry.h"

#include <string.h>

#include "fvg_scan/fvg_scan_job.h"
#include "indicators/indicators_job.h"
#include "noop/noop_job.h"
#include "testkinds/testkinds_job.h"

static const JobKind *const kinds[] = {
    &indicators_kind,
    &fvg_scan_kind,
    &noop_kind,
    &sleep_kind,
    &fail_kind,
};

const JobKind *registry_find(const Config *cfg, const char *name)
{
    if (!config_kind_valid(cfg, name)) return NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i]->name, name) == 0) return kinds[i];
    return NULL;
}
