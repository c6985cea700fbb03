/* sched_state.h - what the scheduler records about each schedule, one owner
 * for its layout in Redis (the scheduler writes, `stratfarm schedules` and
 * the status API read):
 *
 *   <p>sched:index         sorted set: schedule name -> next fire (epoch ms)
 *   <p>sched:<name>        hash: cron, timezone, kind, lane, origin
 *                          ("config" or "website"), enabled, def (a hash of
 *                          the definition), first_seen (ms), cursor (ms, the
 *                          last occurrence decided), next (ms), last_occ,
 *                          last_decision, last_reason, last_fired (ms),
 *                          updated (ms)
 *   <p>sched:<name>:log    list, newest first, capped at SCHED_LOG_CAP: one
 *                          JSON object per decision {occurrence (RFC 3339
 *                          UTC), decision, reason, decided_at, jobs}
 *   <p>fired:<name>:<occ>  string with expiry: the one decision of one
 *                          occurrence (<occ> RFC 3339 UTC); never twice
 *
 * Decisions are "fired", "skipped" (by policy) or "missed" (downtime beyond
 * the catch-up window). Times are epoch ms; strings are NUL-terminated. */
#ifndef SF_SCHED_STATE_H
#define SF_SCHED_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "queue.h"

#define SCHED_LOG_CAP 200

typedef enum { SCHED_FIRED = 0, SCHED_SKIPPED = 1, SCHED_MISSED = 2 } SchedDecision;
const char *sched_decision_name(SchedDecision d);

/* One schedule as recorded. Plain values, no ownership. */
typedef struct SchedInfo {
    char name[128];
    char cron[128];
    char timezone[64];
    char kind[32];
    char lane[16];
    char origin[16];
    int enabled;
    int64_t first_seen_ms, cursor_ms, next_ms, last_occ_ms, last_fired_ms, updated_ms;
    char last_decision[16];
    char last_reason[256];
} SchedInfo;

/* Every recorded schedule, by name; *out malloc'd (caller frees), *n entries. */
int sched_state_list(Rds *r, const QueueOpts *o, SchedInfo **out, size_t *n,
                     FarmErr *err) SF_MUSTCHECK;

/* One schedule; *found = 0 when it is not recorded. */
int sched_state_get(Rds *r, const QueueOpts *o, const char *name, SchedInfo *out, int *found,
                    FarmErr *err) SF_MUSTCHECK;

/* The last `limit` decisions of a schedule, newest first, as JSON object
 * texts: *lines malloc'd array of malloc'd strings (sched_state_lines_free). */
int sched_state_log(Rds *r, const QueueOpts *o, const char *name, int limit, char ***lines,
                    size_t *n, FarmErr *err) SF_MUSTCHECK;
void sched_state_lines_free(char **lines, size_t n);

#endif
