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

/* One line of progress on stderr (a bar on a terminal). */
static void show_progress(int tty, const char *id, const char *status, int pct, const char *msg,
                          long long eta_ms, const char *last)
{
    if (tty) {
        char bar[31], eta[24] = "";
        int filled = pct * 30 / 100;
        for (int i = 0; i < 30; i++) bar[i] = i < filled ? '#' : '.';
        bar[30] = '\0';
        /* From the job's average progress rate (queue_job_state). */
        if (eta_ms > 0) snprintf(eta, sizeof eta, "eta %llds", (eta_ms + 999) / 1000);
        fprintf(stderr, "\r[%s] %3d%% %-10s %-9s %-40.40s", bar, pct, status, eta, msg ? msg : "");
    } else if (strcmp(last, status) != 0) {
        fprintf(stderr, "%s: %s\n", id, status);
    }
}

/* Follows the job until it ends; gives up after max_s seconds (0: never)
 * with exit status 3, leaving the job where it is. The end state goes to
 * stdout as one JSON document with the id inside; all else to stderr. */
static int wait_for(Rds *r, const QueueOpts *q, const char *id, int deduped, long max_s)
{
    return cli_wait_job(r, q, id, deduped, max_s, 1);
}

int cli_wait_job(Rds *r, const QueueOpts *q, const char *id, int deduped, long max_s, int print_state)
{
    int64_t give_up = max_s > 0 ? envelope_now_ms() + (int64_t)max_s * 1000 : 0;
    int tty = isatty(STDERR_FILENO);
    char last[64] = "";
    for (;;) {
        FarmErr err = {0};
        json_t *st = queue_job_state(r, q, id, &err);
        if (!st) return cli_fail(&err);
        const char *status = json_string_value(json_object_get(st, "status"));
        status = status ? status : "?";
        show_progress(tty, id, status, (int)json_integer_value(json_object_get(st, "progress")),
                      json_string_value(json_object_get(st, "message")),
                      (long long)json_integer_value(json_object_get(st, "eta_ms")), last);
        snprintf(last, sizeof last, "%s", status);
        if (final_status(status)) {
            if (tty) fputc('\n', stderr);
            json_object_set_new(st, "id", json_string(id));
            json_object_set_new(st, "deduped", json_boolean(deduped));
            char *text = json_dumps(st, JSON_INDENT(2) | JSON_SORT_KEYS);
            if (print_state) printf("%s\n", text ? text : "{}");
            else if (strcmp(status, "succeeded") != 0)
                fprintf(stderr, "%s %s: %s\n", id, status, json_string_value(json_object_get(st, "error")) ?
                        json_string_value(json_object_get(st, "error")) : "");
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

typedef struct SubmitArgs {
    int wait, json;
    long wait_max;
} SubmitArgs;

/* One option with its value (argv[*i + 1]); 0, or 2 on a usage error. */
static int submit_option(Envelope *env, SubmitArgs *a, int argc, char **argv, int *i)
{
    const char *o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    FarmErr err = {0};
    if (strcmp(o, "--wait") == 0) { a->wait = 1; return 0; }
    if (strcmp(o, "--json") == 0) { a->json = 1; return 0; }
    if (!v) { fprintf(stderr, "stratfarm submit: %s needs a value\n", o); return 2; }
    (*i)++;
    long n;
    if (strcmp(o, "--payload") == 0) {
        json_decref(env->payload);
        if (!(env->payload = load_payload(v, &err))) { (void)cli_fail(&err); return 2; }
    } else if (strcmp(o, "--lane") == 0) {
        if (lane_parse(v, &env->lane)) { fprintf(stderr, "stratfarm submit: unknown lane '%s'\n", v); return 2; }
    } else if (strcmp(o, "--dedupe") == 0) {
        /* Truncating would make two different keys one. */
        if (strlen(v) >= sizeof env->dedupe_key) {
            fprintf(stderr, "stratfarm submit: --dedupe longer than %zu bytes\n", sizeof env->dedupe_key - 1);
            return 2;
        }
        snprintf(env->dedupe_key, sizeof env->dedupe_key, "%s", v);
    } else if (strcmp(o, "--max-attempts") == 0) {
        if (cli_parse_long(v, 1, 1000, &n)) { fprintf(stderr, "stratfarm submit: --max-attempts must be 1..1000\n"); return 2; }
        env->max_attempts = (int)n;
    } else if (strcmp(o, "--timeout") == 0) {
        if (cli_parse_long(v, 1, 7 * 86400, &n)) { fprintf(stderr, "stratfarm submit: --timeout must be 1..604800 s\n"); return 2; }
        env->timeout_s = (int)n;
    } else if (strcmp(o, "--wait-timeout") == 0) {
        if (cli_parse_long(v, 1, 86400 * 30, &a->wait_max)) {
            fprintf(stderr, "stratfarm submit: --wait-timeout must be 1..2592000 s\n");
            return 2;
        }
        a->wait = 1;
    } else {
        fprintf(stderr, "stratfarm submit: unknown option '%s'\n", o);
        return 2;
    }
    return 0;
}

/* Refuses bad input here, where the user sees it, rather than dead-letter
 * it: registry_submit_check, the same checks as POST /v1/jobs. */
static int submit_check(CliCtx *ctx, const Envelope *env, FarmErr *err)
{
    Db *db = NULL;
    FarmErr dberr = {0};
    if (registry_has_admit(ctx->cfg, env->kind) && cli_db_open(ctx, DB_BACKTEST, &db, &dberr))
        fprintf(stderr, "stratfarm submit: stored state not checked (the worker will): %s\n", dberr.msg);
    int skipped = 0;
    int rc = registry_submit_check(ctx->cfg, env, db, &skipped, err);
    db_close(db);
    return rc;
}

int cli_submit_job(CliCtx *ctx, Envelope *env, Rds **r, QueueOpts *q, int *deduped, FarmErr *err)
{
    return submit_check(ctx, env, err) || cli_redis(ctx, r, q, err) || queue_enqueue(*r, q, env, deduped, err) ? -1 : 0;
}

static int submit_usage(void)
{
    fprintf(stderr, "usage: stratfarm submit KIND [--payload JSON|@FILE] [--lane L] [--dedupe KEY] [--max-attempts N]"
                    " [--timeout S] [--json] [--wait] [--wait-timeout S]\n");
    return 2;
}

/* Prints what was queued: the id alone (scripts: id=$(stratfarm submit ...)),
 * or with --json one JSON document; a dedupe note goes to stderr. */
static void print_queued(const Envelope *env, int deduped, const SubmitArgs *a)
{
    if (a->wait) fprintf(stderr, "%s\n", env->id);
    else if (a->json) printf("{\"id\": \"%s\", \"deduped\": %s}\n", env->id, deduped ? "true" : "false");
    else printf("%s\n", env->id);
    if (deduped) fprintf(stderr, "%s: already queued (dedupe key seen)\n", env->id);
    fflush(stdout);
}

int cmd_submit(CliCtx *ctx, int argc, char **argv)
{
    if (argc < 2) return submit_usage();
    Envelope env = {0};
    FarmErr err = {0};
    SubmitArgs a = {0};
    Rds *r = NULL;
    QueueOpts q;
    int rc = 2, deduped = 0;
    env.lane = LANE_INTERACTIVE;   /* hand-submitted: someone is waiting */
    const ConfigJob *jc = strlen(argv[1]) < sizeof env.kind ? config_job(ctx->cfg, argv[1]) : NULL;
    if (!jc || !config_kind_valid(ctx->cfg, argv[1])) {
        fprintf(stderr, "stratfarm submit: unknown kind '%s'\n", argv[1]);
        return 2;
    }
    snprintf(env.kind, sizeof env.kind, "%s", argv[1]);
    snprintf(env.source, sizeof env.source, "cli");
    env.max_attempts = jc->max_attempts;
    env.timeout_s = jc->timeout_s;
    for (int i = 2; i < argc; i++)
        if (submit_option(&env, &a, argc, argv, &i)) goto cleanup;
    rc = 1;
    if (!env.payload) env.payload = json_object();
    if (cli_submit_job(ctx, &env, &r, &q, &deduped, &err)) {
        cli_fail(&err);
        goto cleanup;
    }
    print_queued(&env, deduped, &a);
    rc = a.wait ? wait_for(r, &q, env.id, deduped, a.wait_max) : 0;
cleanup:
    rds_close(r);
    envelope_clear(&env);
    return rc;
}
