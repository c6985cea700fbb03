/* th_sched.c - scheduler test helpers (th_sched.h). */
#define _GNU_SOURCE
#include "th_sched.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "th.h"
#include "th_farm.h"

int64_t th_sim_now(const ThSimClock *c)
{
    return c->start_ms + (int64_t)((double)(th_now_ms() - c->anchor_ms) * c->speed);
}

pid_t th_sched_spawn(const char *log, const char *config, const ThSimClock *c)
{
    char speed[32], anchor[32];
    snprintf(speed, sizeof speed, "%g", c->speed);
    snprintf(anchor, sizeof anchor, "%lld", (long long)c->anchor_ms);
    return th_spawn(log, "stratfarm-scheduler", "--config", config, "--sim-start", c->start_iso,
                    "--sim-speed", speed, "--sim-anchor-ms", anchor, (char *)NULL);
}

pid_t th_sched_leader_pid(Rds *r)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(r, &err, "GET sf:leader");
    pid_t pid = 0;
    if (rep && rep->type == REDIS_REPLY_STRING) {
        const char *last = strrchr(rep->str, ':');
        if (last) pid = (pid_t)atoi(last + 1);
    }
    rds_free(rep);
    return pid;
}

ThDecision *th_sched_log(Rds *r, const char *name, size_t *n)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(r, &err, "LRANGE sf:sched:%s:log 0 -1", name);
    REQUIREF(rep && rep->type == REDIS_REPLY_ARRAY, "log of %s: %s", name, err.msg);
    ThDecision *out = calloc(rep->elements + 1, sizeof *out);
    REQUIRE(out);
    for (size_t i = 0; i < rep->elements; i++) {
        json_t *j = json_loads(rep->element[i]->str, 0, NULL);
        REQUIRE(j);
        ThDecision *d = &out[rep->elements - 1 - i];   /* the list is newest first */
        d->occ_ms = json_integer_value(json_object_get(j, "occurrence_ms"));
        snprintf(d->decision, sizeof d->decision, "%s",
                 json_string_value(json_object_get(j, "decision")));
        json_decref(j);
    }
    *n = rep->elements;
    rds_free(rep);
    return out;
}

long long th_sched_field(Rds *r, const char *name, const char *field)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(r, &err, "HGET sf:sched:%s %s", name, field);
    long long v = rep && rep->type == REDIS_REPLY_STRING ? atoll(rep->str) : 0;
    rds_free(rep);
    return v;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **th_stream_dedupe_keys(Rds *r, const char *kind, size_t *n)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(r, &err, "XRANGE sf:q:%s:batch - +", kind);
    REQUIREF(rep && rep->type == REDIS_REPLY_ARRAY, "XRANGE: %s", err.msg);
    char **keys = calloc(rep->elements + 1, sizeof *keys);
    REQUIRE(keys);
    size_t got = 0;
    for (size_t i = 0; i < rep->elements; i++) {
        redisReply *fields = rep->element[i]->element[1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
            if (strcmp(fields->element[f]->str, "job") != 0) continue;
            json_t *j = json_loads(fields->element[f + 1]->str, 0, NULL);
            const char *dk = j ? json_string_value(json_object_get(j, "dedupe_key")) : NULL;
            keys[got++] = strdup(dk ? dk : "");
            json_decref(j);
        }
    }
    rds_free(rep);
    qsort(keys, got, sizeof *keys, by_str);
    *n = got;
    return keys;
}

int th_keys_count(char **keys, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(keys[mid], key) < 0) lo = mid + 1;
        else hi = mid;
    }
    int c = 0;
    while (lo < n && strcmp(keys[lo], key) == 0) { c++; lo++; }
    return c;
}

void th_keys_free(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
}
