/* status_write.c - the POST routes: submit (validated as `stratfarm
 * submit` does, through registry_submit_check), cancel, and dead-letter
 * retry/discard by id or filter. The token was checked before any of
 * these runs (lib/http_server). */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "queue_admin.h"
#include "registry.h"

/* The body as a JSON object, or NULL after answering 400. */
static json_t *body_object(const HttpReq *req, HttpResp *resp)
{
    json_error_t je;
    json_t *b = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!b) { http_resp_error(resp, 400, "body: not JSON: %s (line %d, column %d)", je.text, je.line, je.column); return NULL; }
    if (!json_is_object(b)) { json_decref(b); http_resp_error(resp, 400, "body: expected a JSON object"); return NULL; }
    return b;
}

/* The payload field a kind's message names ("fvg_scan: \"max_lookback\" must ..."). */
static void payload_field(const char *msg, char *out, size_t cap)
{
    const char *q = strchr(msg, '"'), *e = q ? strchr(q + 1, '"') : NULL;
    if (q && e && e - q - 1 > 0 && e - q - 1 < 60) snprintf(out, cap, "payload.%.*s", (int)(e - q - 1), q + 1);
    else snprintf(out, cap, "payload");
}

static int bad_field(HttpResp *resp, const char *field, const char *msg)
{
    http_resp_json(resp, 400, json_pack("{s:s,s:s}", "error", msg, "field", field));
    return -1;
}

/* An optional integer member in lo..hi. */
static int opt_int(json_t *b, const char *name, long lo, long hi, int *out, HttpResp *resp)
{
    json_t *v = json_object_get(b, name);
    if (!v) return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "%s: expected an integer %ld..%ld", name, lo, hi);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) return bad_field(resp, name, msg);
    *out = (int)json_integer_value(v);
    return 0;
}

/* The request's envelope, with the kind's configured defaults. */
static int read_submit(StatusApi *api, json_t *b, Envelope *env, HttpResp *resp)
{
    static const char *const known[] = {"kind", "payload", "lane", "dedupe_key", "max_attempts", "timeout_s", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        int ok = 0;
        for (int i = 0; known[i]; i++) ok |= strcmp(k, known[i]) == 0;
        if (!ok) { char m[128]; snprintf(m, sizeof m, "%.60s: unknown field", k); return bad_field(resp, k, m); }
    }
    const char *kind = json_string_value(json_object_get(b, "kind"));
    if (!kind || strlen(kind) >= sizeof env->kind || !config_kind_valid(api->cfg, kind))
        return bad_field(resp, "kind", kind ? "kind: unknown job kind" : "kind: required (a string)");
    const ConfigJob *jc = config_job(api->cfg, kind);
    snprintf(env->kind, sizeof env->kind, "%s", kind);
    snprintf(env->source, sizeof env->source, "api");
    env->lane = LANE_INTERACTIVE;   /* someone is waiting, as for `stratfarm submit` */
    env->max_attempts = jc ? jc->max_attempts : 5;
    env->timeout_s = jc ? jc->timeout_s : 600;
    json_t *lane = json_object_get(b, "lane");
    if (lane && (!json_is_string(lane) || lane_parse(json_string_value(lane), &env->lane)))
        return bad_field(resp, "lane", "lane: expected interactive or batch");
    json_t *dk = json_object_get(b, "dedupe_key");
    if (dk && (!json_is_string(dk) || strlen(json_string_value(dk)) >= sizeof env->dedupe_key))
        return bad_field(resp, "dedupe_key", "dedupe_key: expected a string of at most 255 bytes");
    if (dk) snprintf(env->dedupe_key, sizeof env->dedupe_key, "%s", json_string_value(dk));
    if (opt_int(b, "max_attempts", 1, 1000, &env->max_attempts, resp) ||
        opt_int(b, "timeout_s", 1, 7 * 86400, &env->timeout_s, resp))
        return -1;
    json_t *p = json_object_get(b, "payload");
    if (p && !json_is_object(p)) return bad_field(resp, "payload", "payload: must be a JSON object");
    env->payload = p ? json_incref(p) : json_object();
    return 0;
}

/* registry_submit_check with the Backtest DB when the kind reads it. */
static int check_submit(StatusApi *api, const Envelope *env, HttpResp *resp)
{
    Db *db = NULL;
    FarmErr err = {0}, dberr = {0};
    if (registry_has_admit(api->cfg, env->kind) &&
        db_open(config_dsn(api->cfg, DB_BACKTEST), "backtest", &db, &dberr))
        log_warn("status API: submit of %s: stored state not checked (the worker will): %s", env->kind, dberr.msg);
    int skipped = 0, rc = registry_submit_check(api->cfg, env, db, &skipped, &err);
    db_close(db);
    if (rc == 0) return 0;
    if (err.code != SF_EINPUT) { http_resp_error(resp, 503, "%s", err.msg); return -1; }
    char field[80];
    payload_field(err.msg, field, sizeof field);
    if (strncmp(err.msg, "unknown job kind", 16) == 0) snprintf(field, sizeof field, "kind");
    return bad_field(resp, field, err.msg);
}

void status_h_submit(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    json_t *b = body_object(req, resp);
    if (!b) return;
    Envelope env = {0};
    int deduped = 0;
    if (read_submit(api, b, &env, resp) || check_submit(api, &env, resp)) goto cleanup;
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); goto cleanup; }
    int rc = queue_enqueue(r, &api->q, &env, &deduped, &err);
    status_rds_put(api, r, rc != 0);
    if (rc) { http_resp_error(resp, 503, "%s", err.msg); goto cleanup; }
    log_msg(LOG_INFO, env.id, "submitted %s through the status API%s", env.kind, deduped ? " (deduped)" : "");
    http_resp_json(resp, deduped ? 200 : 201, json_pack("{s:s,s:b,s:s,s:s}", "id", env.id, "deduped", deduped,
                                                        "kind", env.kind, "lane", lane_name(env.lane)));
cleanup:
    envelope_clear(&env);
    json_decref(b);
}

/* POST /v1/jobs/<id>/cancel */
void status_h_job_post(void *app, const HttpReq *req, HttpResp *resp)
{
    StatusApi *api = app;
    char id[64];
    const char *slash = strchr(req->tail, '/');
    if (!slash || strcmp(slash, "/cancel") != 0 || slash - req->tail >= (long)sizeof id) {
        http_resp_error(resp, 404, "no such path (expected /v1/jobs/<id>/cancel)");
        return;
    }
    snprintf(id, sizeof id, "%.*s", (int)(slash - req->tail), req->tail);
    if (!uuid_valid(id)) { http_resp_error(resp, 404, "not a job id"); return; }
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    json_t *st = queue_job_state(r, &api->q, id, &err);
    const char *status = st ? json_string_value(json_object_get(st, "status")) : NULL;
    int io = 0;
    if (!st) { io = err.code != SF_EINPUT; http_resp_error(resp, io ? 503 : 404, "%s", err.msg); }
    else if (status && (!strcmp(status, "succeeded") || !strcmp(status, "dead") || !strcmp(status, "cancelled")))
        http_resp_error(resp, 409, "job %s already ended (%s)", id, status);
    else if ((io = queue_request_cancel(r, &api->q, id, &err) != 0)) http_resp_error(resp, 503, "%s", err.msg);
    else http_resp_json(resp, 202, json_pack("{s:s,s:b,s:s}", "id", id, "cancel_requested", 1, "status", status ? status : "?"));
    status_rds_put(api, r, io);
    json_decref(st);
}

/* The dead-letter filter of a body: {"id"} or {"kind","reason","older_than_s"}
 * or {"all": true}; an empty filter without "all" is refused, so no click
 * touches everything by accident. */
static int dead_filter(json_t *b, QueueDeadFilter *f, HttpResp *resp)
{
    static const char *const known[] = {"id", "kind", "reason", "older_than_s", "all", NULL};
    const char *k;
    json_t *v;
    memset(f, 0, sizeof *f);
    json_object_foreach(b, k, v) {
        int ok = 0;
        for (int i = 0; known[i]; i++) ok |= strcmp(k, known[i]) == 0;
        if (!ok) { char m[128]; snprintf(m, sizeof m, "%.60s: unknown field", k); return bad_field(resp, k, m); }
        if (strcmp(k, "older_than_s") && strcmp(k, "all") && !json_is_string(v)) {
            char m[96];
            snprintf(m, sizeof m, "%s: expected a string", k);
            return bad_field(resp, k, m);
        }
    }
    f->job_id = json_string_value(json_object_get(b, "id"));
    f->kind = json_string_value(json_object_get(b, "kind"));
    f->reason = json_string_value(json_object_get(b, "reason"));
    json_t *age = json_object_get(b, "older_than_s");
    if (age && (!json_is_integer(age) || json_integer_value(age) < 0))
        return bad_field(resp, "older_than_s", "older_than_s: expected an integer >= 0");
    if (age) f->older_than_ms = (int64_t)json_integer_value(age) * 1000;
    json_t *all = json_object_get(b, "all");
    if (all && !json_is_boolean(all)) return bad_field(resp, "all", "all: expected true or false");
    if (!f->job_id && !f->kind && !f->reason && !age && !json_is_true(all))
        return bad_field(resp, "all", "give id, kind, reason or older_than_s, or \"all\": true");
    return 0;
}

static void dead_action(StatusApi *api, const HttpReq *req, HttpResp *resp, int discard)
{
    json_t *b = body_object(req, resp);
    QueueDeadFilter f;
    if (!b || dead_filter(b, &f, resp)) { json_decref(b); return; }
    FarmErr err = {0};
    Rds *r = status_rds_get(api, &err);
    if (!r) { json_decref(b); http_resp_error(resp, 503, "redis: %s", err.msg); return; }
    int touched = 0, bad = 0;
    int rc = queue_dead_apply(r, &api->q, &f, discard, &touched, &bad, &err);
    status_rds_put(api, r, rc != 0 && err.code != SF_EINPUT);
    json_decref(b);
    if (rc) { http_resp_error(resp, err.code == SF_EINPUT ? 404 : 503, "%s", err.msg); return; }
    log_info("status API: dead %s: %d job(s)", discard ? "discard" : "retry", touched);
    if (discard) http_resp_json(resp, 200, json_pack("{s:i}", "discarded", touched));
    else http_resp_json(resp, 200, json_pack("{s:i,s:i}", "retried", touched, "unretryable", bad));
}

void status_h_dead_retry(void *app, const HttpReq *req, HttpResp *resp) { dead_action(app, req, resp, 0); }
void status_h_dead_discard(void *app, const HttpReq *req, HttpResp *resp) { dead_action(app, req, resp, 1); }
