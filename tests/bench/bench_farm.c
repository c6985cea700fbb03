#define _GNU_SOURCE
#include "bench_farm.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "candle_csv.h"
#include "jobruns.h"
#include "migrate.h"
#include "queue_admin.h"
#include "registry.h"

Db *bench_ctx_db(JobCtx *ctx, DbRole role, FarmErr *err)
{
    BenchFarm *b = ctx->slot;
    (void)err;
    return role == DB_BACKTEST ? b->bt : b->hist;
}

int bench_kind_run(const JobKind *kind, JobCtx *ctx, Db *bt, json_t *payload, FarmErr *err)
{
    void *plan = NULL;
    if (kind->validate(ctx->cfg, payload, &plan, err)) return -1;
    int rc = db_begin(bt, err) || registry_runner(kind)->run(ctx, plan, err) ? -1 : 0;
    kind->plan_free(plan);
    if (rc) db_rollback(bt);
    return rc;
}

int bench_kind_commit(JobCtx *ctx, Db *bt, FarmErr *err)
{
    JobRunRecord rec = {ctx->env->id, ctx->env->kind, "batch", "bench", "bench", ctx->result_json, 1,
                        envelope_now_ms()};
    int dup = 0;
    if (jobruns_after_store(bt, ctx->env->id, ctx->after, err) || jobruns_record(bt, &rec, &dup, err) ||
        db_commit(bt, err)) {
        db_rollback(bt);
        return -1;
    }
    return 0;
}

int bench_ctx_progress(JobCtx *ctx, int pct, const char *msg)
{
    (void)ctx, (void)pct, (void)msg;
    return 0;
}

int bench_fresh_db(const char *admin, const char *name, const char *sqldir, char *dsn, size_t cap, Db **out)
{
    FarmErr err = {0};
    Db *a = NULL;
    char sql[160];
    if (db_open(admin, "admin", &a, &err)) { printf("  %s\n", err.msg); return -1; }
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    int rc = db_exec(a, sql, &err);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (rc == 0) rc = db_exec(a, sql, &err);
    db_close(a);
    if (rc) { printf("  %s\n", err.msg); return -1; }
    const char *port = getenv("SF_TEST_PG_PORT");
    snprintf(dsn, cap, "host=127.0.0.1 port=%s user=postgres dbname=%s", port ? port : "5432", name);
    MigrateReport *rep = calloc(1, sizeof *rep);
    if (!rep || db_open(dsn, name, out, &err) || migrate_apply(*out, sqldir, 1, rep, &err)) {
        printf("  %s\n", err.msg);
        free(rep);
        return -1;
    }
    free(rep);
    return 0;
}

double bench_json_ms(const char *sum, const char *key)
{
    char pat[48];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = sum ? strstr(sum, "\"ms\":") : NULL;
    p = p ? strstr(p, pat) : NULL;
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

long long bench_json_ll(const char *sum, const char *key)
{
    char pat[48];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = sum ? strstr(sum, pat) : NULL;
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

Candle *bench_nq_candles(size_t n_want)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/NQ_1min_sample.csv", bench_root());
    CandleSeries src = {0};
    CandleCsvOptions opt = {.tz = "America/New_York"};
    FarmErr err = {0};
    Candle *big = malloc(n_want * sizeof *big);
    if (!big || candle_csv_read(path, &opt, &src, NULL, &err) || src.n < 100) {
        printf("  cannot read %s: %s\n", path, err.msg);
        free(big);
        candle_series_free(&src);
        return NULL;
    }
    double shift = 0;
    size_t n = 0;
    for (size_t rep = 0; n < n_want; rep++) {
        for (size_t i = 0; i < src.n && n < n_want; i++, n++) {
            Candle c = src.v[i];
            c.ts += (int64_t)rep * 21 * 86400;    /* the sample spans 15 days */
            c.open += shift, c.high += shift, c.low += shift, c.close += shift;
            big[n] = c;
        }
        /* The next copy opens where this one closed; prices stay > 0. */
        shift += src.v[src.n - 1].close - src.v[0].open;
        if (src.v[0].open + shift < 1000) shift = 0;
    }
    candle_series_free(&src);
    return big;
}

pid_t bench_spawn(const char *program, const char *config, const char *log)
{
    char bin[1024];
    snprintf(bin, sizeof bin, "%s/build/bench/bin/%s", bench_root(), program);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) dup2(fd, 2);
        execl(bin, bin, "--config", config, (char *)NULL);
        _exit(127);
    }
    return pid;
}

long bench_rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb;
}

int bench_job_finished(struct Rds *r, const struct QueueOpts *q, const char *id)
{
    FarmErr err = {0};
    json_t *st = queue_job_state(r, q, id, &err);
    const char *s = json_string_value(json_object_get(st, "status"));
    int fin = s && (strcmp(s, "succeeded") == 0 || strcmp(s, "dead") == 0);
    if (s && strcmp(s, "dead") == 0) printf("  dead: %s\n", json_string_value(json_object_get(st, "error")));
    json_decref(st);
    return fin;
}
