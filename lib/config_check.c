/* config_check.c - extra checks of string values: URLs, DSNs (no
 * password in the file), listen addresses, time zones, single words. */
#define _POSIX_C_SOURCE 200809L
#include "config_priv.h"

#include "tz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- value checks ------------------------------------------------------------------- */

static int refuse(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

static int no_file_password(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    char env[96];
    config_env_name(k, env, sizeof env);
    if (from_file && config_has_password(v))
        return refuse(why, cap, "holds a password; secrets come from the environment only (%s%s)",
                      env,
                      strncmp(k->name, "databases.", 10) == 0 ? ", PGPASSWORD or ~/.pgpass" : "");
    return 0;
}

int config_check_redis_url(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    if (strncmp(v, "redis://", 8) && strncmp(v, "rediss://", 9) && strncmp(v, "unix://", 7))
        return refuse(why, cap, "expected redis://host:port/db, rediss://... or unix:///path");
    return no_file_password(k, v, from_file, why, cap);
}

int config_check_dsn(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    return no_file_password(k, v, from_file, why, cap);
}

int config_check_http_url(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    if (*v && strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
        return refuse(why, cap, "expected an http:// or https:// URL");
    return no_file_password(k, v, from_file, why, cap);
}

int config_check_listen(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    const char *colon = strrchr(v, ':');
    long long port;
    /* Port 0: any free port (tests, several replicas on one host). */
    if (!colon || colon == v || config_parse_int(colon + 1, &port) < 0 || port < 0 || port > 65535)
        return refuse(why, cap, "expected host:port (port 0-65535, 0 = any free one), e.g. 127.0.0.1:8080");
    return 0;
}

int config_check_listen_or_empty(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    return *v ? config_check_listen(k, v, from_file, why, cap) : 0;
}

int config_check_zone(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    return tz_exists(v) ? 0 : refuse(why, cap, "unknown time zone '%s'", v);
}

int config_check_word(const CfKey *k, const char *v, int from_file, char *why, size_t cap)
{
    (void)k;
    (void)from_file;
    if (!*v) return refuse(why, cap, "must not be empty");
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p)) return refuse(why, cap, "must not contain spaces");
    return 0;
}

