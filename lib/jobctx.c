/* jobctx.c - events and after-commit work of a running job, as JSON
 * values; the worker stores them with the commit (lib/jobruns.c) and runs
 * them after it. */
#define _POSIX_C_SOURCE 200809L
#include "jobctx.h"

#include "events.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jobctx_set_request_id(JobCtx *ctx, const char *id)
{
    if (!id) id = "";
    if (strlen(id) >= sizeof ctx->request_id) return -1;
    snprintf(ctx->request_id, sizeof ctx->request_id, "%s", id);
    return 0;
}

static const char *request_id(const JobCtx *ctx) { return ctx->request_id[0] ? ctx->request_id : ctx->env->id; }

/* An item's request_id: the one stored with it (the run that made it set
 * one), else this context's (items stored before request ids were). */
static const char *item_request_id(const JobCtx *ctx, const json_t *it)
{
    const char *rid = json_string_value(json_object_get(it, "request_id"));
    return rid && rid[0] ? rid : request_id(ctx);
}

int jobctx_event_now(JobCtx *ctx, const char *type, json_t *payload, FarmErr *err)
{
    int rc = events_emit(ctx->redis, ctx->qopts, type, request_id(ctx), payload, err);
    json_decref(payload);
    return rc;
}

static int add_item(JobCtx *ctx, json_t *item)
{
    if (!item) return -1;
    if (ctx->request_id[0] && json_object_set_new(item, "request_id", json_string(ctx->request_id))) {
        json_decref(item);
        return -1;
    }
    if (!ctx->after && !(ctx->after = json_array())) {
        json_decref(item);
        return -1;
    }
    return json_array_append_new(ctx->after, item) ? -1 : 0;
}

int jobctx_event_after_commit(JobCtx *ctx, const char *type, json_t *payload)
{
    if (!payload) return -1;
    return add_item(ctx, json_pack("{s:s, s:o}", "event", type, "payload", payload));
}

int jobctx_events_after_commit(JobCtx *ctx, const char *type, json_t *common,
                               const char *const *keys, json_t *rows)
{
    json_t *k = json_array();
    for (size_t i = 0; k && keys[i]; i++)
        if (json_array_append_new(k, json_string(keys[i]))) { json_decref(k); k = NULL; }
    if (!k || !rows) {
        json_decref(k);
        json_decref(rows);
        json_decref(common);
        return -1;
    }
    if (!common) common = json_object();
    return add_item(ctx, json_pack("{s:s, s:o, s:o, s:o}", "events", type, "common", common, "keys", k,
                                   "rows", rows));
}

int jobctx_after_commit(JobCtx *ctx, json_t *value)
{
    if (!value) return -1;
    return add_item(ctx, json_pack("{s:o}", "work", value));
}

void jobctx_drop_after(JobCtx *ctx)
{
    json_decref(ctx->after);
    ctx->after = NULL;
}

/* Publishes the rows of one events batch; returns replies pending, or -1. */
static int publish_batch(JobCtx *ctx, const json_t *it, int pending, size_t *sent, FarmErr *err)
{
    const char *type = json_string_value(json_object_get(it, "events"));
    const json_t *common = json_object_get(it, "common"), *keys = json_object_get(it, "keys");
    size_t i, nk = json_array_size(keys);
    json_t *row;
    json_array_foreach(json_object_get(it, "rows"), i, row) {
        json_t *payload = json_copy((json_t *)common);
        for (size_t k = 0; payload && k < nk && k < json_array_size(row); k++)
            json_object_set(payload, json_string_value(json_array_get(keys, k)), json_array_get(row, k));
        int n = payload ? events_append(ctx->redis, ctx->qopts, type, item_request_id(ctx, it), payload, err) : -1;
        json_decref(payload);
        if (n < 0) return err->code ? -1 : err_set(err, SF_EIO, "events: out of memory");
        pending += n;
        (*sent)++;
        if (pending >= 1000) {
            if (rds_drain(ctx->redis, pending, err)) return -1;
            pending = 0;
        }
    }
    return pending;
}

void jobctx_run_after(JobCtx *ctx, const JobRunner *runner, const json_t *items)
{
    FarmErr err = {0};
    size_t i, sent = 0;
    json_t *it;
    int pending = 0;
    json_array_foreach(items, i, it) {
        json_t *work = json_object_get(it, "work");
        const char *type = json_string_value(json_object_get(it, "event"));
        if (work) {
            /* after() talks to Redis itself: no reply of ours may be pending. */
            if (pending && rds_drain(ctx->redis, pending, &err)) break;
            pending = 0;
            if (runner && runner->after) runner->after(ctx, work);
            continue;
        }
        if (!type && json_object_get(it, "events")) {
            int p = publish_batch(ctx, it, pending, &sent, &err);
            if (p < 0) break;
            pending = p;
            continue;
        }
        if (!type) {
            log_msg(LOG_WARN, ctx->env->id, "after-commit item %zu is neither event nor work", i);
            continue;
        }
        int k = events_append(ctx->redis, ctx->qopts, type, item_request_id(ctx, it),
                              json_object_get(it, "payload"), &err);
        if (k < 0) break;
        pending += k;
        sent++;
        /* Replies are read in batches: one round trip per thousand events. */
        if (pending >= 1000) {
            if (rds_drain(ctx->redis, pending, &err)) break;
            pending = 0;
        }
    }
    if (pending && rds_drain(ctx->redis, pending, &err) == 0) pending = 0;
    if (err.code) log_msg(LOG_WARN, ctx->env->id, "events after commit: %s", err.msg);
    else if (sent) log_msg(LOG_DEBUG, ctx->env->id, "%zu event(s) published after commit", sent);
}
