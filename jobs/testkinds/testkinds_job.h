/* Test kinds, valid only with worker.test_kinds: true.
 *
 * sleep {"ms": N, "effect": bool, "tag": "..."}: reports progress every
 *   20 ms while it sleeps N ms (so cancel and drain are seen); with effect,
 *   inserts (job_id, tag) into job_test_effects in the job's Backtest
 *   transaction (the table is the test's own), so tests can count effects;
 *   with "sql_sleep_s": S it first waits S seconds inside one query, with
 *   no progress point (the worker's watchdog must cancel it).
 * fail {"until_attempt": N, "permanent": bool}: fails (retryable) while
 *   attempt < N, then succeeds; with permanent, fails as bad input. */
#ifndef SF_TESTKINDS_JOB_H
#define SF_TESTKINDS_JOB_H
#include "jobctx.h"
extern const JobKind sleep_kind;
extern const JobKind fail_kind;
extern const JobRunner sleep_runner, fail_runner;   /* worker only */
#endif
