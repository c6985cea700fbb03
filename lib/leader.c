/* leader.c - the scheduler's lease with a fencing token (leader.h). */
#include "leader.h"

#include <stdio.h>
#include <string.h>

/* Take the lease only when free; the value carries a fresh epoch, so a
 * replica that lost the lease and takes it again never matches an older
 * token of its own. */
static const char ACQUIRE_LUA[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return false end\n"
    "local e = redis.call('INCR', KEYS[2])\n"
    "local v = e .. ':' .. ARGV[1]\n"
    "redis.call('SET', KEYS[1], v, 'PX', ARGV[2])\n"
    "return v\n";

static const char RENEW_LUA[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "return 1\n";

static const char RELEASE_LUA[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
    "return redis.call('DEL', KEYS[1])\n";

static void leader_keys(const QueueOpts *o, char *k, size_t kcap, char *ke, size_t kecap)
{
    queue_key(o, k, kcap, "leader");
    if (ke) queue_key(o, ke, kecap, "leader:epoch");
}

int leader_acquire(Rds *r, const QueueOpts *o, const char *holder, int lease_ms, int *won,
                   char *value, size_t cap, FarmErr *err)
{
    char k[96], ke[96], ms[16];
    leader_keys(o, k, sizeof k, ke, sizeof ke);
    snprintf(ms, sizeof ms, "%d", lease_ms);
    const char *keys[2] = {k, ke}, *args[2] = {holder, ms};
    *won = 0;
    redisReply *rep = rds_eval(r, err, ACQUIRE_LUA, 2, keys, 2, args);
    if (!rep) return err_wrap(err, "leader: acquire");
    if (rep->type == REDIS_REPLY_STRING) {
        if (rep->len >= cap || rep->len >= LEADER_VALUE_MAX) {
            rds_free(rep);
            return err_set(err, SF_EIO, "leader: token too long");
        }
        memcpy(value, rep->str, rep->len);
        value[rep->len] = '\0';
        *won = 1;
    }
    rds_free(rep);
    return 0;
}

static int compare_and(Rds *r, const QueueOpts *o, const char *script, const char *value,
                       int lease_ms, long long *result, const char *what, FarmErr *err)
{
    char k[96], ms[16];
    leader_keys(o, k, sizeof k, NULL, 0);
    snprintf(ms, sizeof ms, "%d", lease_ms);
    const char *keys[1] = {k}, *args[2] = {value, ms};
    redisReply *rep = rds_eval(r, err, script, 1, keys, 2, args);
    if (!rep) return err_wrap(err, "leader: %s", what);
    int rc = 0;
    if (rep->type != REDIS_REPLY_INTEGER) rc = err_set(err, SF_EIO, "leader: %s: bad reply", what);
    else *result = rep->integer;
    rds_free(rep);
    return rc;
}

int leader_renew(Rds *r, const QueueOpts *o, const char *value, int lease_ms, int *held,
                 FarmErr *err)
{
    long long res = 0;
    *held = 0;
    if (compare_and(r, o, RENEW_LUA, value, lease_ms, &res, "renew", err)) return -1;
    *held = res == 1;
    return 0;
}

int leader_release(Rds *r, const QueueOpts *o, const char *value, FarmErr *err)
{
    long long res = 0;
    return compare_and(r, o, RELEASE_LUA, value, 0, &res, "release", err);
}

int leader_current(Rds *r, const QueueOpts *o, LeaderInfo *out, FarmErr *err)
{
    char k[96];
    leader_keys(o, k, sizeof k, NULL, 0);
    memset(out, 0, sizeof *out);
    if (rds_append(r, err, "GET %s", k) || rds_append(r, err, "PTTL %s", k)) return -1;
    redisReply *v = rds_read(r, err), *t = v ? rds_read(r, err) : NULL;
    int rc = 0;
    if (!v || !t) {
        rc = err_wrap(err, "leader: read");
    } else if (v->type == REDIS_REPLY_STRING) {
        const char *colon = memchr(v->str, ':', v->len);
        if (colon) {
            sscanf(v->str, "%lld", &out->epoch);
            snprintf(out->holder, sizeof out->holder, "%.*s", (int)(v->len - (size_t)(colon + 1 - v->str)),
                     colon + 1);
        }
        if (t->type == REDIS_REPLY_INTEGER && t->integer > 0) out->ttl_ms = t->integer;
    }
    rds_free(v);
    rds_free(t);
    return rc;
}
