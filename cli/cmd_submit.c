/* stratfarm submit: enqueue one job; --wait follows it to the end with a
 * progress bar (on a terminal) and exits 0 only when it succeeded. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "config.h"
#include "queue_admin.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cli_redis(CliCtx *ctx, Rds **out, QueueOpts *qopts, FarmErr *err)
{
    queue_opts_from_config(qopts, ctx->cfg);
    return rds_open(ctx->cfg->redis.url, 10000, out, err);
}

static json_t *load_payload(const char *arg, FarmErr *err)
{
    json_error_t je;
    json_t *p = arg[0] == '@' ? json_load_file(arg + 1, JSON_REJECT_DUPLICATES, &je)
                              : json_loads(arg, JSON_REJECT_DUPLICATES, &je);
    if (!p) { err_set(err, SF_EINPUT, "payload: %s (line %d, column %d)", je.text, je.line, je.column); return NULL; }
    if (!json_is_object(p)) { json_decref(p); err_set(err, SF_EINPUT, "payload: must be a JSON object"); return NULL; }
    return p;
}

static const char *final_status(const char *s)
{
    static const char *ends[] = {"succeeded", "dead", "cancelled", NULL};
    for (int i = 0; ends[i]; i++) if (strcmp(s, ends[i]) == 0) return ends[i];
    return NULL;
}

/* Follows the job until it ends; gives up after max_s seconds (0: never)
 * with exit status 3, leaving the job where it is. */
static int wait_for(Rds *r, const QueueOpts *q, const char *id, long max_s)
{
    int64_t give_up = max_s > 0 ? envelope_now_ms() + (int64_t)max_s * 1000 : 0;
    int tty = isatty(STDERR_FILENO);
    char last[64] = "";
    for (;;) {
        FarmErr err = {0};
        json_t *st = queue_job_state(r, q, id, &err);
        if (!st) return cli_fail(&err);
        const char *status = json_string_value(json_object_get(st, "status"));
        int pct = (int)json_integer_value(json_object_get(st, "progress"));
        const char *msg = json_string_value(json_object_get(st, "message"));
        status = status ? status : "?";
        if (tty) {
            char bar[31];
            int filled = pct * 30 / 100;
            for (int i = 0; i < 30; i++) bar[i] = i < filled ? '#' : '.';
            bar[30] = '\0';
            fprintf(stderr, "\r[%s] %3d%% %-10s %-40.40s", bar, pct, status, msg ? msg : "");
        } else if (strcmp(last, status) != 0) {
            fprintf(stderr, "%s: %s\n", id, status);
        }
        snprintf(last, sizeof last, "%s", status);
        if (final_status(status)) {
            if (tty) fputc('\n', stderr);
            char *text = json_dumps(st, JSON_INDENT(2) | JSON_SORT_KEYS);
            printf("%s\n", text);
            free(text);
            int ok = strcmp(status, "succeeded") == 0;
            json_decref(st);
            return ok ? 0 : 1;
        }
        json_decref(st);
        if (give_up && envelope_now_ms() > give_up) {
            if (tty) fputc('\n', stderr);
            fprintf(stderr, "stratfarm submit: still %s after %ld s; stopped waiting (the job goes on)\n", last, max_s);
            return 3;
        }
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int cmd_submit(CliCtx *ctx, int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: stratfarm submit KIND [--payload JSON|@FILE] [--lane L] [--dedupe KEY] [--max-attempts N] [--timeout S] [--wait] [--wait-timeout S]\n"); return 2; }
    Envelope env = {0};
    FarmErr err = {0};
    Rds *r = NULL;
    QueueOpts q;
    int wait = 0, rc = 1;
    long wait_max = 0;
    env.lane = LANE_INTERACTIVE;   /* hand-submitted: someone is waiting */
    if (strlen(argv[1]) >= sizeof env.kind) {
        fprintf(stderr, "stratfarm submit: unknown kind '%s'\n", argv[1]);
        return 2;
    }
    snprintf(env.kind, sizeof env.kind, "%s", argv[1]);
    snprintf(env.source, sizeof env.source, "cli");
    const ConfigJob *jc = config_job(ctx->cfg, env.kind);
    const JobKind *kind = registry_find(ctx->cfg, env.kind);
    if (!jc || !config_kind_valid(ctx->cfg, env.kind)) {
        fprintf(stderr, "stratfarm submit: unknown kind '%s'\n", env.kind);
        return 2;
    }
    if (!kind) {
        /* Queued, it would wait for a worker that can never run it. */
        fprintf(stderr, "stratfarm submit: kind '%s' is not available in this build\n", env.kind);
        return 2;
    }
    env.max_attempts = jc->max_attempts;
    env.timeout_s = jc->timeout_s;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--wait") == 0) { wait = 1; continue; }
        if (!v) { fprintf(stderr, "stratfarm submit: %s needs a value\n", a); goto cleanup; }
        i++;
        if (strcmp(a, "--payload") == 0) {
            if (env.payload) json_decref(env.payload);
            if (!(env.payload = load_payload(v, &err))) { cli_fail(&err); goto cleanup; }
        } else if (strcmp(a, "--lane") == 0) {
            if (lane_parse(v, &env.lane)) { fprintf(stderr, "stratfarm submit: unknown lane '%s'\n", v); goto cleanup; }
        } else if (strcmp(a, "--dedupe") == 0) {
            /* Truncating would make two different keys one. */
            if (strlen(v) >= sizeof env.dedupe_key) {
                fprintf(stderr, "stratfarm submit: --dedupe longer than %zu bytes\n", sizeof env.dedupe_key - 1);
                goto cleanup;
            }
            snprintf(env.dedupe_key, sizeof env.dedupe_key, "%s", v);
        }
        else if (strcmp(a, "--max-attempts") == 0 || strcmp(a, "--timeout") == 0) {
            long n;
            int attempts = strcmp(a, "--max-attempts") == 0;
            if (cli_parse_long(v, 1, attempts ? 1000 : 7 * 86400, &n)) {
                fprintf(stderr, "stratfarm submit: %s must be %s\n", a, attempts ? "1..1000" : "1..604800 s");
                goto cleanup;
            }
            if (attempts) env.max_attempts = (int)n; else env.timeout_s = (int)n;
        } else if (strcmp(a, "--wait-timeout") == 0) {
            if (cli_parse_long(v, 1, 86400 * 30, &wait_max)) {
                fprintf(stderr, "stratfarm submit: --wait-timeout must be 1..2592000 s\n");
                goto cleanup;
            }
            wait = 1;
        }
        else { fprintf(stderr, "stratfarm submit: unknown option '%s'\n", a); goto cleanup; }
    }
    if (env.max_attempts < 1 || env.max_attempts > 1000 || env.timeout_s < 1 || env.timeout_s > 7 * 86400) {
        fprintf(stderr, "stratfarm submit: --max-attempts must be 1..1000 and --timeout 1..604800 s\n");
        goto cleanup;
    }
    if (!env.payload) env.payload = json_object();
    /* Refuse bad input here, where the user sees it, rather than dead-letter it. */
    if (kind->validate(env.payload, &err)) { cli_fail(&err); goto cleanup; }
    if (cli_redis(ctx, &r, &q, &err)) { cli_fail(&err); goto cleanup; }
    int deduped = 0;
    if (queue_enqueue(r, &q, &env, &deduped, &err)) { cli_fail(&err); goto cleanup; }
    printf("%s%s\n", env.id, deduped ? " (already queued: dedupe key seen)" : "");
    fflush(stdout);
    rc = wait ? wait_for(r, &q, env.id, wait_max) : 0;
cleanup:
    rds_close(r);
    envelope_clear(&env);
    return rc;
}
