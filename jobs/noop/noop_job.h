/* noop: does nothing and succeeds; for tests and throughput benchmarks. */
#ifndef SF_NOOP_JOB_H
#define SF_NOOP_JOB_H
#include "jobctx.h"
extern const JobKind noop_kind;
extern const JobRunner noop_runner;   /* worker only */
#endif
