/* registry.h - the job kinds: one line each in registry.c. Adding a kind
 * touches jobs/<kind>/ and that table, nothing else. */
#ifndef SF_REGISTRY_H
#define SF_REGISTRY_H

#include "jobctx.h"

/* The kind named name, or NULL. Test kinds (sleep, fail) are found only
 * when cfg allows them (worker.test_kinds). */
const JobKind *registry_find(const Config *cfg, const char *name);

#endif
