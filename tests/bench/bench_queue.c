/* bench_queue.c - the delivery core's speed (issue 3, "Speed"): no-op jobs
 * through ONE real stratfarm-worker process (build/bench/bin, fork/exec,
 * a config file written to a temporary folder), producer and Redis on the
 * same machine, against two baselines measured in the same run:
 *
 *   - the raw Redis ceiling: hiredis, pipelined XADD, then XREADGROUP +
 *     XACK of the same number of entries of the same payload size;
 *   - BullMQ (npm `bullmq`, a no-op processor, one Node worker process,
 *     same Redis), when tests/bench/prep-bullmq.sh could install it.
 *
 * Sections, in this order (run one with `stratfarm-bench queue_drain` etc.;
 * later ones reuse the slot count and BullMQ concurrency the drain picked):
 *   queue_drain      pre-filled queue drained by one worker (slot sweep)
 *   queue_concurrent producer and worker at the same time
 *   queue_latency    enqueue-to-start at 1,000 jobs/s (paced producer)
 *   queue_idle_rss   VmRSS of an idle worker with the default slots
 *   queue_ceiling    raw Redis, and our enqueue+drain against it
 *
 * Every job's end state is checked after each run (all `succeeded`, none
 * lost); a run whose check fails prints a note instead of a figure.
 *
 * The bench owns its Redis (tests/bench/run.sh starts a private one): it
 * flushes it between runs. */
#define _GNU_SOURCE
#include "bench.h"
#include "bench_farm.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "envelope.h"
#include "queue.h"
#include "rds.h"
#include "workers.h"

#define N_JOBS 100000          /* throughput runs */
#define N_LAT 3000             /* latency run: 3 s at 1,000/s */
#define LAT_RATE 1000
#define CHUNK 1000             /* producer pipeline depth, as BullMQ addBulk chunks */
#define BEST_BATCH 256         /* worker.batch for the throughput runs */

static struct {
    int init, ok;
    int keep;                  /* a run failed: keep G.dir (configs, logs) for a look */
    char url[96];
    char dir[64];
    char bin[PATH_MAX];
    char node_dir[PATH_MAX];   /* build/bullmq, "" when BullMQ is not installed */
    char node_js[PATH_MAX];
    Rds *r;
    QueueOpts q;
    int best_slots;            /* from queue_drain's sweep */
    int bull_conc;             /* BullMQ concurrency with the best drain */
    /* figures shared between sections */
    double drain_rate, drain_enqueue_rate, bull_drain_rate;
} G;

/* ---- setup ---------------------------------------------------------------- */

static void cleanup_dir(void)
{
    if (!G.dir[0]) return;
    if (G.keep) { printf("  (worker and BullMQ logs kept in %s)\n", G.dir); return; }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", G.dir);
    if (system(cmd) != 0) {}
}

static int setup(void)
{
    if (G.init) return G.ok ? 0 : -1;
    G.init = 1;
    const char *rp = getenv("SF_TEST_REDIS_PORT"), *pp = getenv("SF_TEST_PG_PORT");
    const char *pu = getenv("SF_TEST_PG_USER"), *bd = getenv("SF_TEST_BIN_DIR");
    if (!rp || !pp) {
        printf("  skipped: SF_TEST_REDIS_PORT / SF_TEST_PG_PORT not set (run `make bench`)\n");
        return -1;
    }
    snprintf(G.url, sizeof G.url, "redis://127.0.0.1:%s", rp);
    if (bd) snprintf(G.bin, sizeof G.bin, "%s/stratfarm-worker", bd);
    else snprintf(G.bin, sizeof G.bin, "%s/build/bench/bin/stratfarm-worker", bench_root());
    if (access(G.bin, X_OK) != 0) {
        printf("  skipped: %s not built\n", G.bin);
        return -1;
    }
    snprintf(G.dir, sizeof G.dir, "/tmp/sfqbench.XXXXXX");
    if (!mkdtemp(G.dir)) { printf("  skipped: mkdtemp: %s\n", strerror(errno)); G.dir[0] = '\0'; return -1; }
    atexit(cleanup_dir);
    /* The worker's environment: Redis and DSNs of the bench stack (noop
     * needs no database, but the worker is configured as in production). */
    char dsn[256];
    snprintf(dsn, sizeof dsn, "host=127.0.0.1 port=%s user=%s dbname=postgres", pp, pu ? pu : "postgres");
    setenv("STRATFARM_REDIS_URL", G.url, 1);
    setenv("STRATFARM_WEBSITE_DSN", dsn, 1);
    setenv("STRATFARM_BACKTEST_DSN", dsn, 1);
    setenv("STRATFARM_HISTORY_DSN", dsn, 1);
    unsetenv("STRATFARM_CONFIG");
    FarmErr err = {0};
    if (rds_open(G.url, 30000, &G.r, &err)) { printf("  skipped: %s\n", err.msg); return -1; }
    queue_opts_default(&G.q);
    snprintf(G.node_dir, sizeof G.node_dir, "%s/build/bullmq", bench_root());
    snprintf(G.node_js, sizeof G.node_js, "%s/tests/bench/bullmq/bench.js", bench_root());
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/node_modules/bullmq/package.json", G.node_dir);
    if (access(probe, R_OK) != 0) G.node_dir[0] = '\0';
    G.best_slots = 2;
    G.bull_conc = 50;
    G.ok = 1;
    return 0;
}

static void flush_redis(void)
{
    FarmErr err = {0};
    rds_free(rds_cmd(G.r, &err, "FLUSHDB"));
}

static long long redis_int(const char *fmt, const char *arg)
{
    FarmErr err = {0};
    redisReply *rep = rds_cmd(G.r, &err, fmt, arg);
    long long v = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
    rds_free(rep);
    return v;
}

static void sleep_ms(double ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms * 1e6) % 1000000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* ---- the worker process ---------------------------------------------------- */

/* slots/batch <= 0: left to the defaults. */
static void write_config(const char *path, int slots, int batch)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "worker:\n  kinds: [noop]\n");
    if (slots > 0) fprintf(f, "  slots: %d\n", slots);
    if (batch > 0) fprintf(f, "  batch: %d\n", batch);
    fclose(f);
}

static pid_t spawn_worker(int slots, int batch)
{
    char cfg[128], log[128];
    snprintf(cfg, sizeof cfg, "%s/worker-%d-%d.yaml", G.dir, slots, batch);
    snprintf(log, sizeof log, "%s/worker.log", G.dir);
    write_config(cfg, slots, batch);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); close(fd); }
        execl(G.bin, G.bin, "--config", cfg, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Ready = announced in the workers registry (after its groups exist). */
static int wait_ready(pid_t pid)
{
    for (int i = 0; i < 2000; i++) {
        FarmErr err = {0};
        json_t *live = workers_list(G.r, &G.q, &err);
        size_t n = live ? json_array_size(live) : 0;
        json_decref(live);
        if (n > 0) { sleep_ms(20); return 0; }
        if (waitpid(pid, NULL, WNOHANG) == pid) return -1;
        sleep_ms(5);
    }
    return -1;
}

static void stop_worker(pid_t pid)
{
    kill(pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) return;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* ---- jobs ------------------------------------------------------------------- */

typedef char JobId[UUID7_STRLEN + 1];

/* A no-op job as a producer writes it; id, enqueued_at and attempt are
 * filled in by the enqueue. */
static void make_job(int seq, Envelope *env)
{
    memset(env, 0, sizeof *env);
    snprintf(env->kind, sizeof env->kind, "noop");
    env->lane = LANE_BATCH;
    snprintf(env->source, sizeof env->source, "bench");
    env->max_attempts = 5;
    env->timeout_s = 60;
    env->payload = json_pack("{s:i}", "seq", seq);
}

/* Enqueues n no-op jobs through lib/queue (ids into ids[]), CHUNK per
 * call as BullMQ's addBulk chunks. */
static int bulk_enqueue(JobId *ids, int n)
{
    static Envelope envs[CHUNK];
    FarmErr err = {0};
    for (int done = 0; done < n;) {
        int m = n - done < CHUNK ? n - done : CHUNK;
        for (int i = 0; i < m; i++) make_job(done + i, &envs[i]);
        int rc = queue_enqueue_many(G.r, &G.q, envs, m, NULL, &err);
        for (int i = 0; i < m; i++) {
            memcpy(ids[done + i], envs[i].id, sizeof ids[0]);
            envelope_clear(&envs[i]);
        }
        if (rc) { printf("  enqueue: %s\n", err.msg); return -1; }
        done += m;
    }
    return 0;
}

/* Waits until the noop batch stream is empty (acked entries are deleted in
 * the same MULTI as the `succeeded` state, so an empty stream means every
 * job has ended). Returns the monotonic time it saw it, or -1. */
static double wait_drained(pid_t pid, double timeout_s)
{
    char key[128];
    queue_stream_key(&G.q, "noop", LANE_BATCH, key, sizeof key);
    double t0 = bench_now();
    while (bench_now() - t0 < timeout_s) {
        if (redis_int("XLEN %s", key) == 0) return bench_now();
        if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid) { printf("  worker exited early\n"); G.keep = 1; return -1; }
        sleep_ms(1);
    }
    printf("  timed out waiting for the queue to drain\n");
    G.keep = 1;
    return -1;
}

typedef struct Outcome {
    int succeeded;
    int64_t first_start, last_finish;   /* epoch ms over all jobs */
    double *lat_ms;                     /* started_at - enqueued_at, per job */
} Outcome;

/* Reads every job's state hash (pipelined) and checks they all succeeded. */
static int check_jobs(const JobId *ids, int n, Outcome *o)
{
    FarmErr err = {0};
    memset(o, 0, sizeof *o);
    o->lat_ms = calloc((size_t)n, sizeof *o->lat_ms);
    o->first_start = INT64_MAX;
    if (!o->lat_ms) return -1;
    for (int done = 0; done < n;) {
        int m = n - done < CHUNK ? n - done : CHUNK;
        for (int i = 0; i < m; i++) {
            char kjob[96];
            queue_key(&G.q, kjob, sizeof kjob, "job:%s", ids[done + i]);
            if (rds_append(G.r, &err, "HMGET %s status enqueued_at started_at finished_at", kjob)) return -1;
        }
        for (int i = 0; i < m; i++) {
            redisReply *rep = rds_read(G.r, &err);
            if (!rep) return -1;
            if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 4 && rep->element[0]->str &&
                strcmp(rep->element[0]->str, "succeeded") == 0 && rep->element[1]->str &&
                rep->element[2]->str && rep->element[3]->str) {
                int64_t enq = atoll(rep->element[1]->str), st = atoll(rep->element[2]->str);
                int64_t fin = atoll(rep->element[3]->str);
                o->lat_ms[o->succeeded++] = (double)(st - enq);
                if (st < o->first_start) o->first_start = st;
                if (fin > o->last_finish) o->last_finish = fin;
            }
            rds_free(rep);
        }
        done += m;
    }
    if (o->succeeded != n) {
        printf("  check: only %d of %d jobs succeeded\n", o->succeeded, n);
        G.keep = 1;
        return -1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * n);
    return v[i >= n ? n - 1 : i];
}

/* ---- BullMQ ------------------------------------------------------------------- */

/* Runs `node bench.js ARGS` and returns its RESULT object (caller decrefs). */
static json_t *bullmq(const char *args)
{
    if (!G.node_dir[0]) return NULL;
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd '%s' && NODE_PATH='%s/node_modules' timeout 600 node '%s' %s 2>>'%s/bullmq.log'",
             G.node_dir, G.node_dir, G.node_js, args, G.dir);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    char line[1024];
    json_t *res = NULL;
    while (fgets(line, sizeof line, p))
        if (strncmp(line, "RESULT ", 7) == 0 && !res) res = json_loads(line + 7, 0, NULL);
    int st = pclose(p);
    if (!res) {
        printf("  BullMQ run '%s' failed (status %d; see %s/bullmq.log)\n", args, st, G.dir);
        G.keep = 1;
    }
    flush_redis();
    return res;
}

static double jnum(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void bullmq_note(void)
{
    printf("  BullMQ baseline skipped: build/bullmq not installed (npm unreachable?"
           " see tests/bench/prep-bullmq.sh)\n");
}

/* ---- runs ----------------------------------------------------------------------- */

typedef struct Run {
    double enqueue_s;     /* pre-fill time (drain) */
    double wall_s;        /* worker spawn (drain) or first enqueue (concurrent) to empty queue */
    double busy_s;        /* first started_at to last finished_at (ms clock) */
} Run;

/* Pre-fills N jobs, then starts one worker and times the drain. */
static int run_drain(int n, int slots, int batch, Run *out)
{
    int rc = -1;
    flush_redis();
    JobId *ids = calloc((size_t)n, sizeof *ids);
    Outcome o = {0};
    pid_t pid = -1;
    if (!ids) return -1;
    double t0 = bench_now();
    if (bulk_enqueue(ids, n)) goto done;
    out->enqueue_s = bench_now() - t0;
    double ts = bench_now();
    pid = spawn_worker(slots, batch);
    double te = wait_drained(pid, 120);
    if (te < 0) goto done;
    out->wall_s = te - ts;
    if (check_jobs(ids, n, &o)) goto done;
    out->busy_s = (double)(o.last_finish - o.first_start) / 1000.0;
    rc = 0;
done:
    if (pid > 0) stop_worker(pid);
    free(o.lat_ms);
    free(ids);
    flush_redis();
    return rc;
}

/* Worker running and idle; the producer enqueues N as fast as it can. */
static int run_concurrent(int n, int slots, int batch, Run *out)
{
    int rc = -1;
    flush_redis();
    JobId *ids = calloc((size_t)n, sizeof *ids);
    Outcome o = {0};
    pid_t pid = spawn_worker(slots, batch);
    if (!ids || wait_ready(pid)) { printf("  worker did not start\n"); G.keep = 1; goto done; }
    double t0 = bench_now();
    if (bulk_enqueue(ids, n)) goto done;
    out->enqueue_s = bench_now() - t0;
    double te = wait_drained(pid, 120);
    if (te < 0) goto done;
    out->wall_s = te - t0;
    if (check_jobs(ids, n, &o)) goto done;
    out->busy_s = (double)(o.last_finish - o.first_start) / 1000.0;
    rc = 0;
done:
    stop_worker(pid);
    free(o.lat_ms);
    free(ids);
    flush_redis();
    return rc;
}

/* ---- sections -------------------------------------------------------------------- */

/* Raw Redis: pipelined XADD of N entries of our payload size, then
 * XREADGROUP COUNT 1000 + XACK of each batch (pipelined with the next read). */
static int ceiling(int n, double *add_s, double *consume_s)
{
    FarmErr err = {0};
    Envelope env;
    make_job(0, &env);
    uuid7_new(env.id);
    env.enqueued_at_ms = envelope_now_ms();
    env.attempt = 1;
    char *json = envelope_dump(&env);   /* the payload a stratfarm job carries */
    envelope_clear(&env);
    if (!json) return -1;
    flush_redis();
    double t0 = bench_now();
    for (int done = 0; done < n;) {
        int m = n - done < CHUNK ? n - done : CHUNK;
        for (int i = 0; i < m; i++)
            if (rds_append(G.r, &err, "XADD ceil:s * job %s", json)) { free(json); return -1; }
        if (rds_drain(G.r, m, &err)) { free(json); return -1; }
        done += m;
    }
    *add_s = bench_now() - t0;
    free(json);
    rds_free(rds_cmd(G.r, &err, "XGROUP CREATE ceil:s g 0"));
    t0 = bench_now();
    int got = 0, pending_ack = 0;
    const char **argv = malloc((3 + CHUNK) * sizeof *argv);
    char (*idbuf)[48] = malloc(CHUNK * sizeof *idbuf);
    if (!argv || !idbuf) { free(argv); free(idbuf); return -1; }
    for (;;) {
        if (rds_append(G.r, &err, "XREADGROUP GROUP g c COUNT %d STREAMS ceil:s >", CHUNK)) break;
        if (pending_ack && rds_drain(G.r, 1, &err)) break;   /* the XACK sent before */
        pending_ack = 0;
        redisReply *rep = rds_read(G.r, &err);
        if (!rep) break;
        int k = 0;
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1) {
            const redisReply *entries = rep->element[0]->element[1];
            for (size_t i = 0; i < entries->elements && k < CHUNK; i++)
                snprintf(idbuf[k++], 48, "%s", entries->element[i]->element[0]->str);
        }
        rds_free(rep);
        if (k == 0) break;
        got += k;
        argv[0] = "XACK"; argv[1] = "ceil:s"; argv[2] = "g";
        for (int i = 0; i < k; i++) argv[3 + i] = idbuf[i];
        if (rds_appendargv(G.r, &err, 3 + k, argv, NULL)) break;
        pending_ack = 1;
    }
    if (pending_ack && rds_drain(G.r, 1, &err)) got = -1;
    *consume_s = bench_now() - t0;
    free(argv);
    free(idbuf);
    flush_redis();
    return got == n ? 0 : -1;
}

BENCH(queue_drain)
{
    if (setup()) return;
    static const int sweep[] = {1, 2, 4};
    double best = 0;
    printf("  %d no-op jobs pre-filled (pipelined enqueue), then ONE worker process drains them;\n"
           "  'busy' = first started_at to last finished_at, 'wall' = from spawning the worker\n", N_JOBS);
    for (size_t i = 0; i < sizeof sweep / sizeof sweep[0]; i++) {
        Run r = {0};
        char label[96];
        if (run_drain(N_JOBS, sweep[i], BEST_BATCH, &r)) { printf("  slots=%d: run failed\n", sweep[i]); continue; }
        snprintf(label, sizeof label, "stratfarm slots=%d batch=%d drain (busy)", sweep[i], BEST_BATCH);
        bench_report(label, N_JOBS / r.busy_s, "jobs/s");
        snprintf(label, sizeof label, "stratfarm slots=%d drain (wall, incl. start)", sweep[i]);
        bench_report(label, N_JOBS / r.wall_s, "jobs/s");
        if (N_JOBS / r.busy_s > best) {
            best = N_JOBS / r.busy_s;
            G.best_slots = sweep[i];
            G.drain_enqueue_rate = N_JOBS / r.enqueue_s;
        }
    }
    if (best <= 0) return;
    G.drain_rate = best;
    bench_report("stratfarm enqueue (queue_enqueue_many, pipelined)", G.drain_enqueue_rate, "jobs/s");
    bench_report("stratfarm drain, best slots", best, "jobs/s");
    bench_report("  against the 50,000 jobs/s target", best / 50000.0, "x");
    if (!G.node_dir[0]) { bullmq_note(); return; }
    static const int conc[] = {10, 50, 200};
    double bbest = 0, benq = 0;
    for (size_t i = 0; i < sizeof conc / sizeof conc[0]; i++) {
        char args[64];
        snprintf(args, sizeof args, "drain %d %d", N_JOBS, conc[i]);
        json_t *res = bullmq(args);
        if (!res) continue;
        double rate = N_JOBS / jnum(res, "first_to_last_s");
        char label[96];
        snprintf(label, sizeof label, "BullMQ concurrency=%d drain (busy)", conc[i]);
        bench_report(label, rate, "jobs/s");
        if (rate > bbest) { bbest = rate; G.bull_conc = conc[i]; benq = N_JOBS / jnum(res, "enqueue_s"); }
        json_decref(res);
    }
    if (bbest <= 0) return;
    G.bull_drain_rate = bbest;
    bench_report("BullMQ addBulk enqueue", benq, "jobs/s");
    bench_report("stratfarm enqueue / BullMQ addBulk", G.drain_enqueue_rate / benq, "x");
    bench_report("BullMQ drain, best concurrency", bbest, "jobs/s");
    bench_report("stratfarm drain / BullMQ drain (target >= 3)", best / bbest, "x");
}

BENCH(queue_concurrent)
{
    if (setup()) return;
    Run r = {0};
    printf("  worker idle and ready; the producer enqueues %d jobs in pipelines of %d;\n"
           "  from the first enqueue to the last `succeeded` (empty stream)\n", N_JOBS, CHUNK);
    if (run_concurrent(N_JOBS, G.best_slots, BEST_BATCH, &r)) { printf("  run failed\n"); return; }
    double ours = N_JOBS / r.wall_s;
    char label[96];
    snprintf(label, sizeof label, "stratfarm concurrent, slots=%d", G.best_slots);
    bench_report(label, ours, "jobs/s");
    bench_report("  against the 50,000 jobs/s target", ours / 50000.0, "x");
    if (!G.node_dir[0]) { bullmq_note(); return; }
    char args[64];
    snprintf(args, sizeof args, "concurrent %d %d", N_JOBS, G.bull_conc);
    json_t *res = bullmq(args);
    if (!res) return;
    double b = N_JOBS / jnum(res, "wall_s");
    json_decref(res);
    snprintf(label, sizeof label, "BullMQ concurrent, concurrency=%d", G.bull_conc);
    bench_report(label, b, "jobs/s");
    bench_report("stratfarm / BullMQ concurrent (target >= 3)", ours / b, "x");
}

BENCH(queue_latency)
{
    if (setup()) return;
    printf("  %d jobs, producer paced at %d/s with queue_enqueue (one call each);\n"
           "  latency = job hash started_at - enqueued_at (both ms stamps: +-1 ms each)\n", N_LAT, LAT_RATE);
    flush_redis();
    JobId *ids = calloc(N_LAT, sizeof *ids);
    Outcome o = {0};
    pid_t pid = spawn_worker(G.best_slots, BEST_BATCH);
    if (!ids || wait_ready(pid)) { printf("  worker did not start\n"); G.keep = 1; goto done; }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int i = 0; i < N_LAT; i++) {
        next.tv_nsec += 1000000000L / LAT_RATE;
        if (next.tv_nsec >= 1000000000L) { next.tv_sec++; next.tv_nsec -= 1000000000L; }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {}
        Envelope env;
        make_job(i, &env);
        FarmErr err = {0};
        int bad = queue_enqueue(G.r, &G.q, &env, NULL, &err);
        memcpy(ids[i], env.id, sizeof ids[i]);
        envelope_clear(&env);
        if (bad) { printf("  enqueue: %s\n", err.msg); goto done; }
    }
    if (wait_drained(pid, 60) < 0 || check_jobs((const JobId *)ids, N_LAT, &o)) goto done;
    double mean = 0;
    for (int i = 0; i < N_LAT; i++) mean += o.lat_ms[i] / N_LAT;
    double p50 = percentile(o.lat_ms, N_LAT, 0.50), p99 = percentile(o.lat_ms, N_LAT, 0.99);
    double mx = percentile(o.lat_ms, N_LAT, 1.0);
    /* Both stamps are whole milliseconds: a difference d means a true
     * latency in (d-1, d+1) ms; the mean of many is unbiased. */
    bench_report("stratfarm enqueue-to-start mean", mean, "ms");
    bench_report("stratfarm enqueue-to-start p50", p50, "ms");
    bench_report("stratfarm enqueue-to-start p99", p99, "ms");
    bench_report("stratfarm enqueue-to-start max", mx, "ms");
    bench_report("  p99 upper bound (p99 + 1 ms) against the 5 ms target", (p99 + 1) / 5.0, "x");
    if (!G.node_dir[0]) { bullmq_note(); goto done; }
    stop_worker(pid);
    pid = -1;
    char args[64];
    snprintf(args, sizeof args, "latency %d %d %d", N_LAT, LAT_RATE, G.bull_conc);
    json_t *res = bullmq(args);
    if (res) {
        bench_report("BullMQ enqueue-to-start mean", jnum(res, "mean_ms"), "ms");
        bench_report("BullMQ enqueue-to-start p50", jnum(res, "p50_ms"), "ms");
        bench_report("BullMQ enqueue-to-start p99", jnum(res, "p99_ms"), "ms");
        bench_report("BullMQ enqueue-to-start max", jnum(res, "max_ms"), "ms");
        if (jnum(res, "mean_ms") > 0)
            bench_report("stratfarm mean / BullMQ mean", mean / jnum(res, "mean_ms"), "x");
        bench_report("stratfarm p99 / BullMQ p99 (upper bounds, +1 ms each)",
                     (p99 + 1) / (jnum(res, "p99_ms") + 1), "x");
        json_decref(res);
    }
done:
    if (pid > 0) stop_worker(pid);
    free(o.lat_ms);
    free(ids);
    flush_redis();
}

BENCH(queue_idle_rss)
{
    if (setup()) return;
    flush_redis();
    pid_t pid = spawn_worker(0, 0);   /* default slots and batch */
    if (wait_ready(pid)) { printf("  worker did not start\n"); G.keep = 1; stop_worker(pid); return; }
    sleep_ms(1000);
    long kb = bench_rss_kb(pid);
    stop_worker(pid);
    flush_redis();
    printf("  an idle worker (default config: slots and batch defaults, kinds [noop]) 1 s after start\n");
    bench_report("stratfarm idle worker VmRSS", kb / 1024.0, "MB");
    bench_report("  against the 15 MB budget", kb / 1024.0 / 15.0, "x");
    if (!G.node_dir[0]) { bullmq_note(); return; }
    char args[64];
    snprintf(args, sizeof args, "idle %d", G.bull_conc);
    json_t *res = bullmq(args);
    if (!res) return;
    double b = jnum(res, "rss_bytes") / 1048576.0;
    json_decref(res);
    bench_report("BullMQ idle worker VmRSS", b, "MB");
    bench_report("stratfarm / BullMQ idle RSS", kb / 1024.0 / b, "x");
}

BENCH(queue_ceiling)
{
    if (setup()) return;
    double add_s = 0, cons_s = 0;
    if (ceiling(N_JOBS, &add_s, &cons_s)) { printf("  raw Redis run failed\n"); return; }
    double ceil_rate = N_JOBS / (add_s + cons_s);
    printf("  %d entries, payload = one noop envelope; pipelines of %d\n", N_JOBS, CHUNK);
    bench_report("raw Redis XADD (pipelined)", N_JOBS / add_s, "entries/s");
    bench_report("raw Redis XREADGROUP+XACK (pipelined)", N_JOBS / cons_s, "entries/s");
    bench_report("raw Redis ceiling XADD+XREADGROUP+XACK", ceil_rate, "entries/s");
    if (G.drain_rate <= 0) {   /* queue_drain did not run: one run at the default slots */
        Run r = {0};
        if (run_drain(N_JOBS, G.best_slots, BEST_BATCH, &r)) { printf("  stratfarm run failed\n"); return; }
        G.drain_rate = N_JOBS / r.busy_s;
        G.drain_enqueue_rate = N_JOBS / r.enqueue_s;
    }
    double ours = N_JOBS / (N_JOBS / G.drain_enqueue_rate + N_JOBS / G.drain_rate);
    printf("  stratfarm side: queue_drain's best run (slots=%d)\n", G.best_slots);
    bench_report("stratfarm enqueue + drain (same N)", ours, "jobs/s");
    bench_report("stratfarm / raw Redis ceiling", ours / ceil_rate, "x");
    bench_report("stratfarm drain / raw XREADGROUP+XACK", G.drain_rate / (N_JOBS / cons_s), "x");
}
