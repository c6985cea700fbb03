/* fair.c - a counting semaphore per owner in Redis (fair.h). */
#include "fair.h"

#include <stdio.h>

/* KEYS[1] the owner's set; ARGV job id, limit, lease ms. Ended leases go
 * first; a job already holding a place renews it. 1 = a place, 0 = full. */
static const char ACQUIRE_LUA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
    "local until_ms = now + tonumber(ARGV[3])\n"
    "if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then\n"
    "  redis.call('ZADD', KEYS[1], until_ms, ARGV[1])\n"
    "  redis.call('PEXPIREAT', KEYS[1], until_ms)\n"
    "  return 1\n"
    "end\n"
    "return 0\n";

static void fair_key(const QueueOpts *o, char *out, size_t cap, const char *family, const char *owner)
{
    queue_key(o, out, cap, "fair:%s:%s", family, owner);
}

int fair_acquire(Rds *r, const QueueOpts *o, const char *family, const char *owner, const char *job_id,
                 int limit, int64_t lease_ms, FarmErr *err)
{
    char k[160], lim[16], ms[24];
    fair_key(o, k, sizeof k, family, owner);
    snprintf(lim, sizeof lim, "%d", limit);
    snprintf(ms, sizeof ms, "%lld", (long long)(lease_ms > 0 ? lease_ms : 1));
    const char *keys[1] = {k}, *args[3] = {job_id, lim, ms};
    redisReply *rep = rds_eval(r, err, ACQUIRE_LUA, 1, keys, 3, args);
    if (!rep) return err_wrap(err, "fair: acquire");
    int rc = rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : err_set(err, SF_EIO, "fair: acquire: bad reply");
    rds_free(rep);
    return rc;
}

int fair_release(Rds *r, const QueueOpts *o, const char *family, const char *owner, const char *job_id,
                 FarmErr *err)
{
    char k[160];
    fair_key(o, k, sizeof k, family, owner);
    redisReply *rep = rds_cmd(r, err, "ZREM %s %s", k, job_id);
    if (!rep) return err_wrap(err, "fair: release");
    rds_free(rep);
    return 0;
}
