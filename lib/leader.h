/* leader.h - scheduler leadership: a lease in Redis with a fencing token,
 * one owner for its layout:
 *
 *   <p>leader        string "<epoch>:<holder>", PX = lease; <holder> is the
 *                    replica id "<host>:<pid>"
 *   <p>leader:epoch  counter, incremented at every acquisition (the fencing
 *                    token is the whole value, so a new leader's differs)
 *
 * A replica that holds the lease renews it every lease/3; one that cannot
 * renew before the lease ends stops firing at once (it never assumes it
 * still leads). Every fire checks the value in the same Lua script as its
 * enqueue (sched_state.h), so a paused or partitioned ex-leader whose lease
 * has passed to another replica can never fire. */
#ifndef SF_LEADER_H
#define SF_LEADER_H

#include <stdint.h>

#include "queue.h"

#define LEADER_VALUE_MAX 192

/* Tries to take the lease if nobody holds it. On success *won = 1 and
 * value (cap LEADER_VALUE_MAX) holds the fencing token. */
int leader_acquire(Rds *r, const QueueOpts *o, const char *holder, int lease_ms, int *won,
                   char *value, size_t cap, FarmErr *err) SF_MUSTCHECK;

/* Extends the lease only while it still holds value; *held = 0 when it
 * has passed to someone else or expired. */
int leader_renew(Rds *r, const QueueOpts *o, const char *value, int lease_ms, int *held,
                 FarmErr *err) SF_MUSTCHECK;

/* Gives the lease up at once (SIGTERM), only if it still holds value. */
int leader_release(Rds *r, const QueueOpts *o, const char *value, FarmErr *err) SF_MUSTCHECK;

/* Who leads now: holder ("" when none) and the lease's remaining ms. */
typedef struct LeaderInfo {
    char holder[128];
    long long epoch;
    long long ttl_ms;
} LeaderInfo;
int leader_current(Rds *r, const QueueOpts *o, LeaderInfo *out, FarmErr *err) SF_MUSTCHECK;

#endif
