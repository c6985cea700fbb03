/* th_sched.h - scheduler test helpers: replicas on a simulated clock and
 * what they recorded in Redis. */
#ifndef SF_TH_SCHED_H
#define SF_TH_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rds.h"

typedef struct ThSimClock {
    const char *start_iso;   /* simulated time at anchor */
    int64_t start_ms, anchor_ms;
    double speed;
} ThSimClock;

int64_t th_sim_now(const ThSimClock *c);
/* Starts one replica with the clock; its output goes to log. */
pid_t th_sched_spawn(const char *log, const char *config, const ThSimClock *c);
/* The pid in sf:leader ("<epoch>:<host>:<pid>"), 0 when nobody leads. */
pid_t th_sched_leader_pid(Rds *r);

/* One recorded decision. */
typedef struct ThDecision { int64_t occ_ms; char decision[12]; } ThDecision;
/* The schedule's log (oldest first), malloc'd; *n entries. */
ThDecision *th_sched_log(Rds *r, const char *name, size_t *n);
/* A field of sf:sched:<name> as a number (0 when absent). */
long long th_sched_field(Rds *r, const char *name, const char *field);
/* The dedupe keys of every entry in the kind's batch stream, sorted;
 * malloc'd array of malloc'd strings (th_keys_free). */
char **th_stream_dedupe_keys(Rds *r, const char *kind, size_t *n);
/* How many times key occurs in sorted keys. */
int th_keys_count(char **keys, size_t n, const char *key);
void th_keys_free(char **keys, size_t n);

#endif
