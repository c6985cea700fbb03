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
 *   <p>sched:<name>:log    list, newest first, capped (scheduler.history): one
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
/* The same for names[0..n) in one round trip: lines[i] and counts[i] (the
 * caller's arrays of n) receive schedule i's; on failure all are empty. */
int sched_state_logs(Rds *r, const QueueOpts *o, const char *const *names, size_t n, int limit,
                     char ***lines, size_t *counts, FarmErr *err) SF_MUSTCHECK;
void sched_state_lines_free(char **lines, size_t n);

/* ---- the leader's writes; each checks the fencing token (leader.h) in the
 * same script, and *fenced = 1 (nothing written) when it no longer matches ---- */

/* A schedule's definition as the leader registers it. Borrowed strings. */
typedef struct SchedDef {
    const char *name, *cron, *timezone, *kind, *lane, *origin;
    int enabled;
    const char *def;          /* a digest of everything that decides fires */
} SchedDef;

/* Registers n schedules at now_ms, pipelined: stores the definitions, sets
 * first_seen once, and when a definition changed moves the cursor up to
 * now_ms (a new rule never catches up on occurrences of the old one).
 * first_seen[i] and cursor[i] (0 = none decided) are filled in. */
int sched_state_register(Rds *r, const QueueOpts *o, const char *token, const SchedDef *defs,
                         size_t n, int64_t now_ms, int64_t *first_seen, int64_t *cursor,
                         int *fenced, FarmErr *err) SF_MUSTCHECK;

/* Marks schedules no longer defined (a deactivated website strategy):
 * enabled 0, no next fire; their history stays. */
int sched_state_retire(Rds *r, const QueueOpts *o, const char *token, const char *const *names,
                       size_t n, int64_t now_ms, int *fenced, FarmErr *err) SF_MUSTCHECK;

/* One decision about one occurrence. Borrowed strings. */
typedef struct SchedDecisionRec {
    const char *name;
    int64_t occurrence_ms;
    SchedDecision decision;
    const char *reason;
    int jobs;                 /* jobs enqueued by this fire */
    int64_t next_ms;          /* the schedule's next occurrence after it, 0 = none */
} SchedDecisionRec;

/* Records n decisions (pipelined, in order) at now_ms: the occurrence's
 * fired: marker (kept marker_ttl_s), the cursor, last and next, the capped
 * log (history entries). A decision whose marker exists already is not
 * recorded again (*dups counts them). */
int sched_state_decide(Rds *r, const QueueOpts *o, const char *token,
                       const SchedDecisionRec *recs, size_t n, int64_t now_ms, int marker_ttl_s,
                       int history, int *fenced, int *dups, FarmErr *err) SF_MUSTCHECK;

/* "2026-03-08T07:00:00Z" of epoch ms (seconds precision, the marker's and
 * the dedupe key's spelling) into out[24]. */
void sched_state_iso(int64_t ms, char out[24]);

#endif
