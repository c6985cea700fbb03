#define _POSIX_C_SOURCE 200809L
#include "rds.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

int rds_parse_url(const char *url, char *host, size_t hostcap, int *port, int *db, FarmErr *err)
{
    const char *p = url;
    *db = 0;
    if (url && strncmp(url, "unix://", 7) == 0) {
        /* unix:///run/redis.sock[?db=N]: port 0 marks a socket path. */
        const char *path = url + 7, *q = strstr(path, "?db=");
        size_t len = q ? (size_t)(q - path) : strlen(path);
        if (len == 0 || path[0] != '/' || len >= hostcap)
            return err_set(err, SF_ECONFIG, "redis url '%s': unix:// needs an absolute socket path", url);
        memcpy(host, path, len);
        host[len] = '\0';
        *port = 0;
        if (q) {
            char *end;
            long v = strtol(q + 4, &end, 10);
            if (end == q + 4 || *end || v < 0 || v > 1000)
                return err_set(err, SF_ECONFIG, "redis url '%s': bad database number", url);
            *db = (int)v;
        }
        return 0;
    }
    if (url && strncmp(url, "rediss://", 9) == 0)
        return err_set(err, SF_ECONFIG, "redis url '%s': TLS is not available with Debian 12's "
                       "hiredis 0.14; use a local TLS tunnel or a unix:// socket", url);
    if (!url || strncmp(url, "redis://", 8) != 0)
        return err_set(err, SF_ECONFIG, "redis url '%s': must start with redis:// or unix://", url ? url : "");
    p += 8;
    if (strchr(p, '@'))
        return err_set(err, SF_ECONFIG, "redis url: credentials are not allowed in the URL; "
                                         "set STRATFARM_REDIS_PASSWORD");
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= hostcap) return err_set(err, SF_ECONFIG, "redis url '%s': bad host", url);
    memcpy(host, p, hl);
    host[hl] = '\0';
    p += hl;
    *port = 6379;
    *db = 0;
    char *end;
    if (*p == ':') {
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535 || (*end && *end != '/'))
            return err_set(err, SF_ECONFIG, "redis url '%s': bad port", url);
        *port = (int)v;
        p = end;
    }
    if (*p == '/' && p[1]) {
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || v < 0 || v > 1000)
            return err_set(err, SF_ECONFIG, "redis url '%s': bad database number", url);
        *db = (int)v;
    }
    return 0;
}

static int handshake(Rds *r, FarmErr *err)
{
    const char *pw = getenv("STRATFARM_REDIS_PASSWORD");
    if (pw && *pw) {
        redisReply *rep = rds_cmd(r, err, "AUTH %s", pw);
        if (!rep) return err_wrap(err, "redis AUTH");
        rds_free(rep);
    }
    if (r->db) {
        redisReply *rep = rds_cmd(r, err, "SELECT %d", r->db);
        if (!rep) return -1;
        rds_free(rep);
    }
    return 0;
}

static int dial(Rds *r, FarmErr *err)
{
    struct timeval tv = {5, 0};
    r->c = r->port == 0 ? redisConnectUnixWithTimeout(r->host, tv)
                        : redisConnectWithTimeout(r->host, r->port, tv);
    if (!r->c || r->c->err) {
        int rc = err_set(err, SF_EIO, "redis %s:%d: %s", r->host, r->port,
                         r->c ? r->c->errstr : "out of memory");
        if (r->c) redisFree(r->c);
        r->c = NULL;
        return rc;
    }
    if (r->timeout_ms > 0) {
        struct timeval t = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
        redisSetTimeout(r->c, t);
    }
    for (int i = 0; i < 8; i++) r->scripts[i].script = NULL;
    if (r->keepalive && r->port != 0) redisEnableKeepAlive(r->c);
    return handshake(r, err);
}

int rds_open(const char *url, int timeout_ms, Rds **out, FarmErr *err)
{
    *out = NULL;
    Rds *r = calloc(1, sizeof *r);
    if (!r) return err_set(err, SF_EIO, "out of memory");
    r->timeout_ms = timeout_ms;
    if (rds_parse_url(url, r->host, sizeof r->host, &r->port, &r->db, err) || dial(r, err)) {
        rds_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

void rds_keepalive(Rds *r)
{
    r->keepalive = 1;
    if (r->c && r->port != 0) redisEnableKeepAlive(r->c);
}

void rds_close(Rds *r)
{
    if (!r) return;
    if (r->c) redisFree(r->c);
    free(r);
}

int rds_reconnect(Rds *r, FarmErr *err)
{
    if (r->c) redisFree(r->c);
    r->c = NULL;
    return dial(r, err);
}

static redisReply *check(Rds *r, redisReply *rep, FarmErr *err)
{
    if (!rep) {
        err_set(err, SF_EIO, "redis %s:%d: %s", r->host, r->port,
                r->c && r->c->err ? r->c->errstr : "no reply");
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        err_set(err, SF_EIO, "redis: %.*s", (int)rep->len, rep->str);
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

redisReply *rds_cmd(Rds *r, FarmErr *err, const char *fmt, ...)
{
    if (!r->c) { err_set(err, SF_EIO, "redis: not connected"); return NULL; }
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(r->c, fmt, ap);
    va_end(ap);
    return check(r, rep, err);
}

redisReply *rds_cmdargv(Rds *r, FarmErr *err, int argc, const char **argv, const size_t *lens)
{
    if (!r->c) { err_set(err, SF_EIO, "redis: not connected"); return NULL; }
    return check(r, redisCommandArgv(r->c, argc, argv, lens), err);
}

void rds_free(redisReply *rep) { if (rep) freeReplyObject(rep); }

int rds_append(Rds *r, FarmErr *err, const char *fmt, ...)
{
    if (!r->c) return err_set(err, SF_EIO, "redis: not connected");
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAppendCommand(r->c, fmt, ap);
    va_end(ap);
    return rc == REDIS_OK ? 0 : err_set(err, SF_EIO, "redis: %s", r->c->errstr);
}

int rds_appendargv(Rds *r, FarmErr *err, int argc, const char **argv, const size_t *lens)
{
    if (!r->c) return err_set(err, SF_EIO, "redis: not connected");
    return redisAppendCommandArgv(r->c, argc, argv, lens) == REDIS_OK
               ? 0 : err_set(err, SF_EIO, "redis: %s", r->c->errstr);
}

int rds_send(Rds *r, FarmErr *err)
{
    if (!r->c) return err_set(err, SF_EIO, "redis: not connected");
    int done = 0;
    do {
        if (redisBufferWrite(r->c, &done) != REDIS_OK)
            return err_set(err, SF_EIO, "redis %s:%d: %s", r->host, r->port, r->c->errstr);
    } while (!done);
    return 0;
}

redisReply *rds_read(Rds *r, FarmErr *err)
{
    void *rep = NULL;
    if (!r->c || redisGetReply(r->c, &rep) != REDIS_OK || !rep) {
        err_set(err, SF_EIO, "redis %s:%d: %s", r->host, r->port,
                r->c && r->c->err ? r->c->errstr : "no reply");
        return NULL;
    }
    return rep;
}

int rds_drain(Rds *r, int n, FarmErr *err)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        redisReply *rep = rds_read(r, err);
        if (!rep) return -1;
        if (rep->type == REDIS_REPLY_ERROR && rc == 0)
            rc = err_set(err, SF_EIO, "redis: %.*s", (int)rep->len, rep->str);
        /* EXEC answers with one reply per queued command: a command that
         * failed inside the transaction shows only there. */
        for (size_t k = 0; rep->type == REDIS_REPLY_ARRAY && k < rep->elements && rc == 0; k++)
            if (rep->element[k] && rep->element[k]->type == REDIS_REPLY_ERROR)
                rc = err_set(err, SF_EIO, "redis: in transaction: %.*s", (int)rep->element[k]->len,
                             rep->element[k]->str);
        freeReplyObject(rep);
    }
    return rc;
}

const char *rds_script_sha(Rds *r, const char *script, int reload, FarmErr *err)
{
    int slot = -1;
    for (int i = 0; i < 8; i++) {
        if (r->scripts[i].script == script) { slot = i; break; }
        if (!r->scripts[i].script && slot < 0) slot = i;
    }
    if (slot < 0) slot = 0;
    if (r->scripts[slot].script == script && !reload) return r->scripts[slot].sha;
    redisReply *rep = rds_cmd(r, err, "SCRIPT LOAD %s", script);
    if (!rep) return NULL;
    if (rep->type != REDIS_REPLY_STRING || rep->len != 40) {
        rds_free(rep);
        err_set(err, SF_EIO, "redis: SCRIPT LOAD: unexpected reply");
        return NULL;
    }
    memcpy(r->scripts[slot].sha, rep->str, 40);
    r->scripts[slot].sha[40] = '\0';
    r->scripts[slot].script = script;
    rds_free(rep);
    return r->scripts[slot].sha;
}

redisReply *rds_eval(Rds *r, FarmErr *err, const char *script,
                     int nkeys, const char **keys, int nargs, const char **args)
{
    const char *small[64], **argv = small;
    char nk[16];
    if (nkeys < 0 || nargs < 0) { err_set(err, SF_EINPUT, "rds_eval: bad argument count"); return NULL; }
    if (!r->c) { err_set(err, SF_EIO, "redis: not connected"); return NULL; }
    /* Batch scripts (a worker's finishes) take hundreds of arguments. */
    if (3 + nkeys + nargs > 64 && !(argv = malloc((size_t)(3 + nkeys + nargs) * sizeof *argv))) {
        err_set(err, SF_EIO, "rds_eval: out of memory");
        return NULL;
    }
    redisReply *out = NULL;
    int loaded = 0;
    for (int attempt = 0; attempt < 2 && !loaded; attempt++) {
        const char *sha = rds_script_sha(r, script, attempt > 0, err);
        if (!sha) goto done;
        snprintf(nk, sizeof nk, "%d", nkeys);
        int argc = 0;
        argv[argc++] = "EVALSHA";
        argv[argc++] = sha;
        argv[argc++] = nk;
        for (int i = 0; i < nkeys; i++) argv[argc++] = keys[i];
        for (int i = 0; i < nargs; i++) argv[argc++] = args[i];
        redisReply *rep = redisCommandArgv(r->c, argc, argv, NULL);
        if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
            freeReplyObject(rep);
            continue;
        }
        loaded = 1;
        out = check(r, rep, err);
    }
    if (!loaded) err_set(err, SF_EIO, "redis: script could not be loaded");
done:
    if (argv != small) free(argv);
    return out;
}
