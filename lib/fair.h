/* fair.h - at most `limit` jobs of one owner at a time across every worker
 * (per-user fairness, docs/architecture.md section 9: a backtest over its
 * user's max_concurrent_backtests waits, it never fails for it).
 *
 * Key <prefix>fair:<family>:<owner>: a sorted set of the job ids holding a
 * place, each scored by the end of its lease (Redis time, ms). A lease is
 * as long as the job may run (its timeout), so the place of a job whose
 * worker died frees itself by then; a job that comes back (reclaimed,
 * retried) finds its own place still there and keeps it. Acquire and its
 * clean-up of ended leases are one Lua script, so two workers never both
 * take the last place. The family is the caller's word (a kind's name):
 * lib/ knows no kind. */
#ifndef SF_FAIR_H
#define SF_FAIR_H

#include <stdint.h>

#include "err.h"
#include "queue.h"
#include "rds.h"

/* 1 with a place for job_id (held until fair_release or lease_ms from
 * now), 0 when limit jobs of owner hold one already, -1 with err. */
int fair_acquire(Rds *r, const QueueOpts *o, const char *family, const char *owner, const char *job_id,
                 int limit, int64_t lease_ms, FarmErr *err) SF_MUSTCHECK;
/* Gives job_id's place back (nothing when it holds none). 0, or -1. */
int fair_release(Rds *r, const QueueOpts *o, const char *family, const char *owner, const char *job_id,
                 FarmErr *err) SF_MUSTCHECK;

#endif
