/* rds.h - a Redis connection on hiredis 0.14 (Debian 12): URL parsing,
 * checked commands, and pipelining helpers. One Rds per thread.
 *
 * URLs: redis://HOST[:PORT][/DB]. A password, when needed, comes only from
 * the environment (STRATFARM_REDIS_PASSWORD), never from the URL or config. */
#ifndef SF_RDS_H
#define SF_RDS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "err.h"

typedef struct Rds {
    redisContext *c;
    char host[128];
    int port, db;
    int timeout_ms;       /* read/write timeout; 0 = none */
    int keepalive;        /* TCP keepalive on */
    struct { const char *script; char sha[41]; } scripts[8]; /* SCRIPT LOAD cache */
} Rds;

int rds_parse_url(const char *url, char *host, size_t hostcap, int *port, int *db, FarmErr *err);

/* Connects (and AUTH/SELECT); *out owned by the caller (rds_close). Only
 * loopback or configured hosts are ever dialled; the URL decides. */
int rds_open(const char *url, int timeout_ms, Rds **out, FarmErr *err) SF_MUSTCHECK;
void rds_close(Rds *r);  /* NULL-safe */

/* Runs a command; the reply is the caller's (rds_free). Returns NULL with
 * err set on I/O error or a Redis error reply (whose text is copied). */
redisReply *rds_cmd(Rds *r, FarmErr *err, const char *fmt, ...);
redisReply *rds_cmdargv(Rds *r, FarmErr *err, int argc, const char **argv, const size_t *lens);
void rds_free(redisReply *rep);

/* Pipelining: append commands, then read their replies in order. */
int rds_append(Rds *r, FarmErr *err, const char *fmt, ...) SF_MUSTCHECK;
int rds_appendargv(Rds *r, FarmErr *err, int argc, const char **argv, const size_t *lens) SF_MUSTCHECK;
/* Writes the appended commands to the socket now, without reading any
 * reply, so Redis works on them while the caller appends more. */
int rds_send(Rds *r, FarmErr *err) SF_MUSTCHECK;
/* Reads one pipelined reply; error replies are returned (not turned into
 * failures) so callers can decide; I/O errors return NULL with err set. */
redisReply *rds_read(Rds *r, FarmErr *err);
/* Reads and discards n replies; fails on I/O error or on any error reply. */
int rds_drain(Rds *r, int n, FarmErr *err) SF_MUSTCHECK;

/* Turns on TCP keepalive (kept across reconnects). No-op for unix sockets. */
void rds_keepalive(Rds *r);

/* Reconnects after an I/O error (a Redis restart); keeps the settings. */
int rds_reconnect(Rds *r, FarmErr *err) SF_MUSTCHECK;

/* The SHA1 of a script as this connection knows it: loaded (SCRIPT LOAD)
 * on first use or when reload is set (after a NOSCRIPT), cached on the
 * connection until it reconnects. For callers that pipeline EVALSHA
 * themselves; NULL with err on failure. */
const char *rds_script_sha(Rds *r, const char *script, int reload, FarmErr *err);

/* Runs a Lua script by EVALSHA, loading it once per connection (scripts are
 * identified by the address of their static text) and again after NOSCRIPT
 * (a Redis restart). keys/args are C strings. */
redisReply *rds_eval(Rds *r, FarmErr *err, const char *script,
                     int nkeys, const char **keys, int nargs, const char **args);

#endif
