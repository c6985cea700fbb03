/* status_shim.c - TEMPORARY: weak stand-ins for the scheduler's readers
 * (lib/leader.h, lib/sched_state.h) until lib/leader.c and
 * lib/sched_state.c land on main; the real definitions win at link time.
 * Until then the status API reports no leader and no schedules. Delete
 * this file when merging them. */
#include "leader.h"
#include "sched_state.h"

#include <stdlib.h>
#include <string.h>

__attribute__((weak)) int leader_current(Rds *r, const QueueOpts *o, LeaderInfo *out, FarmErr *err)
{
    (void)r; (void)o; (void)err;
    memset(out, 0, sizeof *out);
    return 0;
}

__attribute__((weak)) int sched_state_list(Rds *r, const QueueOpts *o, SchedInfo **out, size_t *n,
                                           FarmErr *err)
{
    (void)r; (void)o; (void)err;
    *out = NULL;
    *n = 0;
    return 0;
}

__attribute__((weak)) int sched_state_log(Rds *r, const QueueOpts *o, const char *name, int limit,
                                          char ***lines, size_t *n, FarmErr *err)
{
    (void)r; (void)o; (void)name; (void)limit; (void)err;
    *lines = NULL;
    *n = 0;
    return 0;
}

__attribute__((weak)) void sched_state_lines_free(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
}
