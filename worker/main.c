/* stratfarm-worker [--config FILE] [--slots N] [--kinds a,b] [--check-config]
 *
 * SIGTERM/SIGINT drain: stop reading, let running jobs finish within
 * worker.grace_s, hand back what is left (pending, reclaimed by another
 * worker), exit 0. SIGKILL at any moment loses nothing: every delivery stays
 * pending until its outcome is recorded. */
#define _GNU_SOURCE
#include "worker.h"
#include "http_server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "registry.h"

static Worker worker;

int worker_now_stopping(const Worker *w) { return w->stopping != 0; }

static void on_signal(int sig)
{
    (void)sig;
    if (!worker.stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        worker.stop_deadline_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
                                  (int64_t)worker.cfg->worker.grace_s * 1000;
        worker.stopping = 1;
    }
}

static int pick_kinds(Worker *w, const char *override)
{
    char buf[512];
    const char *list[WORKER_MAX_KINDS];
    int n = 0;
    if (override) {
        snprintf(buf, sizeof buf, "%s", override);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < WORKER_MAX_KINDS;
             t = strtok_r(NULL, ",", &save))
            list[n++] = t;
    } else {
        for (size_t i = 0; i < w->cfg->worker.n_kinds && n < WORKER_MAX_KINDS; i++)
            list[n++] = w->cfg->worker.kinds[i];
    }
    int all_short = 1;
    for (int i = 0; i < n; i++) {
        const JobKind *k = registry_find(w->cfg, list[i]);
        if (!k || !registry_runner(k)) {
            /* Its jobs stay queued for a worker that has the kind. */
            log_msg(LOG_WARN, NULL, "kind '%s' is not available in this worker; not serving it", list[i]);
            continue;
        }
        w->kinds[w->nkinds++] = k->config.name;
        if (k->claim_batch != 0) all_short = 0;
    }
    /* Long jobs are claimed one at a time so a slot never sits on queued
     * work another slot could start. */
    w->claim = all_short ? w->cfg->worker.batch : 1;
    return w->nkinds > 0 ? 0 : -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: stratfarm-worker [--config FILE] [--slots N] [--kinds a,b] [--check-config]\n");
    return 2;
}

typedef struct Args { const char *config_path, *kinds; int slots, check; } Args;

static int parse_args(int argc, char **argv, Args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) a->config_path = argv[++i];
        else if (strcmp(argv[i], "--kinds") == 0 && i + 1 < argc) a->kinds = argv[++i];
        else if (strcmp(argv[i], "--check-config") == 0) a->check = 1;
        else if (strcmp(argv[i], "--slots") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "stratfarm-worker: --slots must be 1..256\n");
                return -1;
            }
            a->slots = (int)v;
        } else return -1;
    }
    return 0;
}

/* Consumer groups of every served kind, then one Redis connection a slot. */
static int worker_setup(Worker *w, FarmErr *err)
{
    const Config *cfg = w->cfg;
    Rds *setup = NULL;
    if (rds_open(cfg->redis.url, 5000, &setup, err)) return -1;
    for (int i = 0; i < w->nkinds; i++)
        if (queue_ensure_groups(setup, &w->qopts, w->kinds[i], err)) { rds_close(setup); return -1; }
    rds_close(setup);
    w->slots = calloc((size_t)w->nslots, sizeof *w->slots);
    if (!w->slots) return err_set(err, SF_EIO, "out of memory");
    for (int i = 0; i < w->nslots; i++) {
        Slot *s = &w->slots[i];
        s->w = w;
        s->index = i;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cancel_done, NULL);
        snprintf(s->consumer, sizeof s->consumer, "%s:%d", w->id, i);
        /* A read timeout past the longest blocking read, and TCP keepalive:
         * after a failover without a reset, the slot notices and reconnects
         * instead of waiting forever while its heartbeat says it is fine. */
        if (rds_open(cfg->redis.url, cfg->worker.block_ms + 15000, &s->redis, err)) return -1;
        rds_keepalive(s->redis);
    }
    return 0;
}

static void worker_run(Worker *w)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_t hb;
    pthread_create(&hb, NULL, heartbeat_main, w);
    for (int i = 0; i < w->nslots; i++) pthread_create(&w->slots[i].thread, NULL, slot_main, &w->slots[i]);
    char kl[256] = "";
    for (int i = 0; i < w->nkinds; i++) { strcat(kl, i ? "," : ""); strncat(kl, w->kinds[i], 30); }
    log_info("worker %s started: %d slots, kinds %s", w->id, w->nslots, kl);
    for (int i = 0; i < w->nslots; i++) {
        /* A job that neither reaches a progress point nor waits on a query
         * cannot be stopped from outside its thread: 10 s after the grace
         * period the process leaves anyway; its entries stay pending and are
         * reclaimed by another worker. */
        while (pthread_tryjoin_np(w->slots[i].thread, NULL) != 0) {
            if (w->stopping && envelope_now_ms() > w->stop_deadline_ms + 10000) {
                log_warn("worker %s: slot %d did not stop within the grace period; exiting, "
                         "its job stays pending for reclaim", w->id, i);
                _exit(0);
            }
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    w->stopping = 2;
    pthread_join(hb, NULL);
    log_info("worker %s stopped", w->id);
}

static void worker_teardown(Worker *w)
{
    if (!w->slots) return;
    /* A watchdog cancel still talking to the database uses the handles. */
    for (int i = 0, waited = 0; i < w->nslots && waited < 100; i++) {
        pthread_mutex_lock(&w->slots[i].lock);
        int busy = w->slots[i].cancel_users > 0;
        pthread_mutex_unlock(&w->slots[i].lock);
        if (busy) { struct timespec ts = {0, 20000000L}; nanosleep(&ts, NULL); waited++; i--; }
    }
    for (int i = 0; i < w->nslots; i++) {
        Slot *s = &w->slots[i];
        rds_close(s->redis);
        for (int c = 0; c < DB_ROLE_COUNT; c++) if (s->cancels[c]) PQfreeCancel(s->cancels[c]);
        for (int r = 0; r < DB_ROLE_COUNT; r++) db_close(s->dbs[r]);
        if (s->w) {
            pthread_mutex_destroy(&s->lock);
            pthread_cond_destroy(&s->cancel_done);
        }
        free(s->done);
        free(s->held);
    }
    free(w->slots);
    w->slots = NULL;
}

int main(int argc, char **argv)
{
    Args a;
    if (parse_args(argc, argv, &a)) return usage();
    log_set_component("worker");
    Config *cfg = NULL;
    FarmErr err = {0};
    if (registry_config_load(a.config_path, &cfg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (a.check) { printf("config ok\n"); config_free(cfg); return 0; }
    log_set_level(cfg->log.level);
    Worker *w = &worker;
    w->cfg = cfg;
    queue_opts_from_config(&w->qopts, cfg);
    gethostname(w->host, sizeof w->host);
    snprintf(w->id, sizeof w->id, "%s:%d", w->host, (int)getpid());
    w->nslots = a.slots > 0 ? a.slots : cfg->worker.slots;
    w->started_ms = envelope_now_ms();
    int rc = 1;
    struct HttpServer *metrics = NULL;
    if (pick_kinds(w, a.kinds)) log_error("no kind to serve");
    else if (worker_setup(w, &err)) log_error("%s", err.msg);
    else if (worker_metrics_start(w, &metrics, &err)) log_error("%s", err.msg);
    else { worker_run(w); rc = 0; }
    http_server_stop(metrics);
    worker_teardown(w);
    config_free(cfg);
    return rc;
}
