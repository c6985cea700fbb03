/* jobhist.h - the farm's memory of its jobs beyond the queue: the indexes
 * that list recent jobs by status, kind and search term, and the counters
 * behind rates, charts and Prometheus (docs/status-api.md). One owner for
 * these keys; lib/queue.c and lib/queue_state.c call it at every enqueue
 * and every end of an attempt, the status API and the CLI read it.
 *
 *   <p>jobs:all            zset, every member scored 0: job ids (UUIDv7, so
 *   <p>jobs:kind:<kind>    lexical order is enqueue order); ZREVRANGEBYLEX
 *   <p>jobs:q:<term>       pages newest first from a cursor id in
 *   <p>jobs:active         O(log N + page). active: queued, running,
 *   <p>jobs:st:<status>    retrying, delayed; st: succeeded, dead, cancelled
 *   <p>stats:total         hash "<kind>|<lane>|<outcome>" -> count, forever
 *   <p>stats:m:<minute>    hash, same fields, per epoch minute, kept 25 h
 *   <p>stats:h:<hour>      hash, same fields, per epoch hour, kept 8 days
 *   <p>stats:dur:<kind>    hash "b<i>" -> count per duration bucket
 *                          (metrics_duration_edges; b<n> above the last),
 *                          "sum" seconds, "count"
 *   <p>stats:wait:<kind>   the same for queue waits (metrics_wait_edges)
 *   <p>stats:fires         hash "<schedule kind>|<decision>" -> count
 *
 * Outcomes of an attempt: succeeded, failed (retried later), dead,
 * cancelled. Index entries whose job hash has expired are dropped when a
 * listing meets them. Counters are written in the same round trip as the
 * state change they count, after its transaction: a crash between the two
 * can lose a count, never a job. */
#ifndef SF_JOBHIST_H
#define SF_JOBHIST_H

#include <jansson.h>
#include <stdint.h>

#include "queue.h"

/* Search terms of a payload: the string values of the keys symbol,
 * symbols, strategy, strategy_id and strategy_path at any depth up to 4,
 * upper-cased, at most JOBHIST_MAX_TERMS of at most 63 bytes. */
#define JOBHIST_MAX_TERMS 8
int jobhist_terms(const json_t *payload, char terms[][64], int max);

/* Appends (pipelined) the index writes of a new job: one command, so it
 * may sit inside the caller's MULTI. Returns 1 (replies to read) or -1. */
int jobhist_append_enqueue(Rds *r, const QueueOpts *o, const Envelope *env, FarmErr *err) SF_MUSTCHECK;

/* Appends one command that counts the end of an attempt of each job
 * (reading kind, lane and times from their state hashes) and, for a final
 * outcome, moves them from the active index to their status's. Returns 1
 * or -1. Must come after the state change in the pipeline. */
int jobhist_append_finish(Rds *r, const QueueOpts *o, const char *const *job_ids, int n,
                          const char *outcome, int64_t now_ms, FarmErr *err) SF_MUSTCHECK;

/* A dead job queued again (dead retry): back in the active index. Returns 1 or -1. */
int jobhist_append_requeue(Rds *r, const QueueOpts *o, const char *job_id, FarmErr *err) SF_MUSTCHECK;

/* Counts one schedule decision (the scheduler calls it with each). */
int jobhist_count_fire(Rds *r, const QueueOpts *o, const char *schedule_kind, const char *decision,
                       FarmErr *err) SF_MUSTCHECK;
/* n decisions at once (a catch-up decides many in one call). */
int jobhist_count_fires(Rds *r, const QueueOpts *o, const char *schedule_kind, const char *decision,
                        long long n, FarmErr *err) SF_MUSTCHECK;

/* ---- reading (jobhist_read.c) ---- */

typedef struct JobhistFilter {
    const char *status, *kind, *lane, *q;  /* NULL or "": any */
    const char *cursor;                    /* the next_cursor of the page before; NULL: newest */
    int limit;                             /* 1..500 */
} JobhistFilter;

/* Recent jobs newest first: {"jobs":[{id, kind, lane, status, progress,
 * message, attempt, source, enqueued_at, started_at, finished_at, error}],
 * "next_cursor": id or null, "index": the index read, "scanned": N}.
 * A filter the index does not answer is checked on each job's state; one
 * request looks at most at JOBHIST_SCAN_MAX entries and then answers with
 * what it found and a cursor to go on from. Caller owns the result. */
#define JOBHIST_SCAN_MAX 20000
json_t *jobhist_list(Rds *r, const QueueOpts *o, const JobhistFilter *f, FarmErr *err);

/* The counters of the last `minutes` whole minutes up to now, per minute:
 * {"from": ms, "step_s": 60, "series": {"<kind>|<lane>|<outcome>": [n...]}}.
 * With hours != 0, per hour over the last `minutes` hours (step 3600). */
json_t *jobhist_series(Rds *r, const QueueOpts *o, int64_t now_ms, int n, int hours, FarmErr *err);

/* Rates per second over the last 1, 5 and 60 minutes at now_ms: for a
 * window of k minutes, the k whole minute buckets before the current one
 * plus the current, partial one, over the time they span (k to k+1
 * minutes), so a rate never drops to 0 when a minute turns. Sets on each
 * object {"kind", "lane", ...} of streams "processed_per_s" (outcome
 * succeeded) and "failed_per_s" (failed and dead), each
 * {"1m": r, "5m": r, "60m": r}. One pipelined read of
 * JOBHIST_RATE_BUCKETS minute hashes. Returns 0 or -1. */
#define JOBHIST_RATE_BUCKETS 61
int jobhist_rates(Rds *r, const QueueOpts *o, json_t *streams, int64_t now_ms, FarmErr *err) SF_MUSTCHECK;

/* stats:total as {"<kind>|<lane>|<outcome>": n}; stats:fires likewise. */
json_t *jobhist_totals(Rds *r, const QueueOpts *o, const char *which, FarmErr *err);

/* The farm-wide histogram of a kind: which "dur" or "wait"; h initialised
 * with the matching edges (metrics.h). */
struct MetricsHist;
int jobhist_histogram(Rds *r, const QueueOpts *o, const char *which, const char *kind,
                      struct MetricsHist *h, FarmErr *err) SF_MUSTCHECK;

#endif
