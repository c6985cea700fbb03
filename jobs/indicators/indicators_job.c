/* Placeholder until the job lands: refuses every job as not available, so
 * nothing is dead-lettered by a worker that cannot run it (the kind is not
 * served: see worker/main.c pick_kinds). */
#include "indicators_job.h"

const JobKind indicators_kind = {"indicators", NULL, NULL, JOB_TX_BACKTEST, 1};
