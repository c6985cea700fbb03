/* stratfarm job / cancel / status / dead. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "config.h"
#include "jobhist.h"
#include "queue_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", text ? text : "null");
    free(text);
    json_decref(j);
    return 0;
}

int cmd_job(CliCtx *ctx, int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: stratfarm job ID\n"); return 2; }
    Rds *r = NULL;
    QueueOpts q;
    FarmErr err = {0};
    if (cli_redis(ctx, &r, &q, &err)) return cli_fail(&err);
    json_t *st = queue_job_state(r, &q, argv[1], &err);
    rds_close(r);
    return st ? print_json(st) : cli_fail(&err);
}

int cmd_cancel(CliCtx *ctx, int argc, char **argv)
{
    if (argc != 2 || !uuid_valid(argv[1])) { fprintf(stderr, "usage: stratfarm cancel ID\n"); return 2; }
    Rds *r = NULL;
    QueueOpts q;
    FarmErr err = {0};
    if (cli_redis(ctx, &r, &q, &err)) return cli_fail(&err);
    json_t *st = queue_job_state(r, &q, argv[1], &err);
    int rc = 1;
    if (!st) { cli_fail(&err); goto cleanup; }
    if (queue_request_cancel(r, &q, argv[1], &err)) { cli_fail(&err); goto cleanup; }
    printf("cancel requested for %s (status %s)\n", argv[1],
           json_string_value(json_object_get(st, "status")));
    rc = 0;
cleanup:
    json_decref(st);
    rds_close(r);
    return rc;
}

/* A rate per second as jobs per minute, the unit of the table (batch
 * kinds finish a few a minute: per second they would all print 0.0). */
static double per_min(json_t *stream, const char *which, const char *window)
{
    return json_number_value(json_object_get(json_object_get(stream, which), window)) * 60.0;
}

static void print_status_table(json_t *st)
{
    printf("%-16s %-12s %10s %10s %14s %9s %9s %9s %9s %9s %9s\n", "kind", "lane", "queued", "running",
           "oldest age s", "done 1m", "5m", "60m", "failed 1m", "5m", "60m");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(st, "streams"), i, s) {
        long long len = json_integer_value(json_object_get(s, "length"));
        long long pend = json_integer_value(json_object_get(s, "pending"));
        printf("%-16s %-12s %10lld %10lld %14.1f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n",
               json_string_value(json_object_get(s, "kind")), json_string_value(json_object_get(s, "lane")),
               len - pend, pend, (double)json_integer_value(json_object_get(s, "oldest_age_ms")) / 1000.0,
               per_min(s, "processed_per_s", "1m"), per_min(s, "processed_per_s", "5m"),
               per_min(s, "processed_per_s", "60m"), per_min(s, "failed_per_s", "1m"),
               per_min(s, "failed_per_s", "5m"), per_min(s, "failed_per_s", "60m"));
    }
    printf("done, failed: jobs per minute over the last 1, 5 and 60 minutes (failed: retried or dead)\n");
    printf("delayed: %lld   dead: %lld   workers: %zu\n",
           (long long)json_integer_value(json_object_get(st, "delayed")),
           (long long)json_integer_value(json_object_get(st, "dead")),
           json_array_size(json_object_get(st, "workers")));
    json_array_foreach(json_object_get(st, "workers"), i, s) {
        printf("  %s  slots %s  kinds %s  running %zu\n", json_string_value(json_object_get(s, "id")),
               json_string_value(json_object_get(s, "slots")), json_string_value(json_object_get(s, "kinds")),
               json_array_size(json_object_get(s, "jobs")));
    }
}

/* The queues (queue_status) with the rates /v1/status gives (jobhist_rates):
 * --json prints them as the API does, per second. */
int cmd_status(CliCtx *ctx, int argc, char **argv)
{
    int as_json = argc > 1 && strcmp(argv[1], "--json") == 0;
    Rds *r = NULL;
    QueueOpts q;
    FarmErr err = {0};
    if (cli_redis(ctx, &r, &q, &err)) return cli_fail(&err);
    const char *kinds[64];
    int n = 0;
    for (size_t k = 0; k < ctx->cfg->n_kinds && n < 64; k++)
        if (config_kind_valid(ctx->cfg, ctx->cfg->kinds[k].decl->name))
            kinds[n++] = ctx->cfg->kinds[k].decl->name;
    json_t *st = queue_status(r, &q, kinds, n, &err);
    if (st && jobhist_rates(r, &q, json_object_get(st, "streams"), envelope_now_ms(), &err)) {
        json_decref(st);
        st = NULL;
    }
    rds_close(r);
    if (!st) return cli_fail(&err);
    if (as_json) return print_json(st);
    print_status_table(st);
    json_decref(st);
    return 0;
}

/* The filter of `dead retry|discard`: ID, --all, or --kind/--reason/
 * --older-than S, as POST /v1/dead/{retry,discard} take them. 2 on a
 * usage error. */
static int dead_filter_args(int argc, char **argv, QueueDeadFilter *f)
{
    memset(f, 0, sizeof *f);
    int all = 0, any = 0;
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(o, "--all") == 0) { all = 1; continue; }
        if (o[0] != '-' && !f->job_id && i == 2) { f->job_id = o; any = 1; continue; }
        if (!v) return 2;
        i++;
        any = 1;
        if (strcmp(o, "--kind") == 0) f->kind = v;
        else if (strcmp(o, "--reason") == 0) f->reason = v;
        else if (strcmp(o, "--older-than") == 0 && cli_parse_long(v, 0, 100L * 365 * 86400, &n) == 0)
            f->older_than_ms = (int64_t)n * 1000;
        else return 2;
    }
    return all || any ? 0 : 2;
}

#define DEAD_USAGE "usage: stratfarm dead list [--limit N] | dead retry|discard ID|--all|[--kind K] [--reason TEXT] [--older-than S]\n"

int cmd_dead(CliCtx *ctx, int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, DEAD_USAGE); return 2; }
    int is_list = strcmp(argv[1], "list") == 0, discard = strcmp(argv[1], "discard") == 0;
    QueueDeadFilter f;
    long limit = 50;
    if (is_list && argc > 2 && (argc != 4 || strcmp(argv[2], "--limit") != 0 ||
                                cli_parse_long(argv[3], 1, 100000, &limit))) {
        fprintf(stderr, "usage: stratfarm dead list [--limit 1..100000]\n");
        return 2;
    }
    if (!is_list && ((!discard && strcmp(argv[1], "retry") != 0) || dead_filter_args(argc, argv, &f))) {
        fprintf(stderr, DEAD_USAGE);
        return 2;
    }
    Rds *r = NULL;
    QueueOpts q;
    FarmErr err = {0};
    int rc = 1;
    if (cli_redis(ctx, &r, &q, &err)) return cli_fail(&err);
    if (is_list) {
        json_t *l = queue_dead_list(r, &q, (int)limit, &err);
        rc = l ? print_json(l) : cli_fail(&err);
    } else {
        int touched = 0, bad = 0;
        if (queue_dead_apply(r, &q, &f, discard, &touched, &bad, &err)) rc = cli_fail(&err);
        else {
            printf("%s %d job(s)\n", discard ? "discarded" : "retried", touched);
            if (bad) printf("%d entr%s left: not a valid job envelope\n", bad, bad == 1 ? "y" : "ies");
            rc = 0;
        }
    }
    rds_close(r);
    return rc;
}
