/* registry.h - the one list of job kinds (jobs/registry.c, one line each).
 * Adding a kind touches jobs/<kind>/, that line and the kind's docs only:
 * its name, settings and validation come from its JobKind, its run and
 * after-commit work from its JobRunner (lib/jobctx.h). Programs load their configuration through
 * here, so the loader knows every kind's keys. */
#ifndef SF_REGISTRY_H
#define SF_REGISTRY_H

#include "jobctx.h"

/* The kind named name, or NULL. Test kinds (sleep, fail) are found only
 * when cfg allows them (worker.test_kinds). */
const JobKind *registry_find(const Config *cfg, const char *name);

/* The runner of kind (jobs/registry_run.c), or NULL for a kind without
 * one. Only programs that run jobs call this (see JobRunner). */
const JobRunner *registry_runner(const JobKind *kind);

/* Every kind of this build, in registry order; *n receives the count. */
const JobKind *const *registry_all(size_t *n);

/* config_load / config_load_all with every kind's configuration rows. */
int registry_config_load(const char *path_or_null, Config **out, FarmErr *err) SF_MUSTCHECK;
int registry_config_load_all(const char *path_or_null, Config **out, char **errors) SF_MUSTCHECK;

/* Validates a payload for kind with the effective configuration, as submit
 * and the worker both do: *kind and *plan (free with (*kind)->plan_free)
 * on success. An unknown or disallowed kind is SF_EINPUT. */
int registry_plan(const Config *cfg, const char *name, const json_t *payload,
                  const JobKind **kind, void **plan, FarmErr *err) SF_MUSTCHECK;

/* What a submission must pass before it is enqueued, the same for
 * `stratfarm submit` and the status API's POST /v1/jobs
 * (jobs/registry_submit.c): a kind this configuration allows, then the
 * kind's validate of the payload with the effective configuration (the
 * worker runs the same), then its admit check against stored state when
 * it has one. backtest may be NULL: the admit check is then skipped and
 * *admit_skipped set (the worker checks again). Errors are SF_EINPUT for
 * input that can never succeed. */
int registry_submit_check(const Config *cfg, const Envelope *env, Db *backtest, int *admit_skipped,
                          FarmErr *err) SF_MUSTCHECK;
/* 1 when the kind has an admit check (the Backtest DB is worth opening). */
int registry_has_admit(const Config *cfg, const char *name);

/* Parses a strategy DSL program (docs/strategy-dsl.md). 0 and its
 * `strategy "name"` in name (may be "", name may be NULL); or -1 with the
 * 1-based line and column of the error and its message in err. */
int registry_check_strategy(const char *src, size_t len, char *name, size_t name_cap, int *line,
                            int *col, FarmErr *err) SF_MUSTCHECK;

#endif
