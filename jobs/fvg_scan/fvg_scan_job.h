/* fvg_scan: Fair Value Gap scan (docs/architecture.md sections 7 and 9). */
#ifndef SF_FVG_SCAN_JOB_H
#define SF_FVG_SCAN_JOB_H
#include "jobctx.h"
extern const JobKind fvg_scan_kind;
extern const JobRunner fvg_scan_runner;   /* worker only */
#endif
