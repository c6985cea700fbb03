/* indicators: indicator precompute (DESIGN.md 6.1, section 9). */
#ifndef SF_INDICATORS_JOB_H
#define SF_INDICATORS_JOB_H
#include "jobctx.h"
extern const JobKind indicators_kind;
#endif
