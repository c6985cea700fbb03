/* indicators: indicator precompute (docs/architecture.md sections 7 and 9). */
#ifndef SF_INDICATORS_JOB_H
#define SF_INDICATORS_JOB_H
#include "jobctx.h"
extern const JobKind indicators_kind;
extern const JobRunner indicators_runner;   /* worker only */
#endif
