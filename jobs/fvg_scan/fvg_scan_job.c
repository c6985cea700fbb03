/* Placeholder until the job lands: refuses every job as not available, so
 * nothing is dead-lettered by a worker that cannot run it (the kind is not
 * served: see worker/main.c pick_kinds). */
#include "fvg_scan_job.h"

const JobKind fvg_scan_kind = {"fvg_scan", NULL, NULL, JOB_TX_BACKTEST, 1};
