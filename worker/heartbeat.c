/* heartbeat.c - every worker.heartbeat_ms: announce this worker in
 * the workers registry (lib/workers.h: slots, kinds, current jobs), extend the
 * claim of every running job so it is never reclaimed from a live worker,
 * and move due retries back to their streams (atomic; any process may). */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "workers.h"

static void announce(Worker *w, Rds *r)
{
    /* The running jobs, copied under each slot's lock. */
    WorkersJob *jobs = calloc((size_t)w->nslots, sizeof *jobs);
    char (*ids)[UUID7_STRLEN + 1] = calloc((size_t)w->nslots, sizeof *ids);
    char (*kinds_of)[32] = calloc((size_t)w->nslots, sizeof *kinds_of);
    int njobs = 0;
    long long done = 0;
    for (int i = 0; i < w->nslots; i++) {
        Slot *s = &w->slots[i];
        pthread_mutex_lock(&s->lock);
        done += s->jobs_done;
        if (s->busy && jobs && ids && kinds_of) {
            snprintf(ids[njobs], sizeof ids[njobs], "%s", s->cur_job);
            snprintf(kinds_of[njobs], sizeof kinds_of[njobs], "%s", s->cur_kind);
            jobs[njobs] = (WorkersJob){i, ids[njobs], kinds_of[njobs], s->started_ms};
            njobs++;
        }
        pthread_mutex_unlock(&s->lock);
    }
    char kinds[512] = "";
    for (int i = 0; i < w->nkinds; i++) {
        strncat(kinds, w->kinds[i], sizeof kinds - strlen(kinds) - 2);
        if (i + 1 < w->nkinds) strcat(kinds, ",");
    }
    WorkersInfo info = {.id = w->id, .host = w->host, .pid = (int)getpid(), .slots = w->nslots,
                        .kinds = kinds, .started_ms = w->started_ms,
                        .heartbeat_ms = envelope_now_ms(), .jobs_done = done,
                        .stopping = (int)w->stopping, .jobs = jobs, .njobs = njobs};
    int ttl_s = 3 * w->cfg->worker.heartbeat_ms / 1000 + 2;
    FarmErr err = {0};
    /* Workers silent for 10 heartbeats are gone. */
    if (workers_announce(r, &w->qopts, &info, ttl_s, 10LL * w->cfg->worker.heartbeat_ms, &err)) {
        log_msg(LOG_WARN, NULL, "heartbeat: %s", err.msg);
        FarmErr e2 = {0};
        if (rds_reconnect(r, &e2)) {}
    }
    free(jobs);
    free(ids);
    free(kinds_of);
}

/* Every entry a slot holds - the running one and those waiting behind it in
 * its batch - has its idle time reset, as long as it is still ours. */
static void extend_claims(Worker *w, Rds *r)
{
    const char **streams = NULL, **ids = NULL;
    struct SlotHeld *copy = NULL;
    for (int i = 0; i < w->nslots; i++) {
        Slot *s = &w->slots[i];
        pthread_mutex_lock(&s->lock);
        int n = s->nheld - s->held_next;
        if (n > 0 && (copy = realloc(copy, (size_t)n * sizeof *copy)) != NULL)
            memcpy(copy, s->held + s->held_next, (size_t)n * sizeof *copy);
        pthread_mutex_unlock(&s->lock);
        if (n <= 0 || !copy) continue;
        streams = realloc(streams, (size_t)n * sizeof *streams);
        ids = realloc(ids, (size_t)n * sizeof *ids);
        if (!streams || !ids) break;
        for (int k = 0; k < n; k++) { streams[k] = copy[k].stream; ids[k] = copy[k].id; }
        FarmErr err = {0};
        int extended = 0;
        if (queue_extend_many(r, s->consumer, streams, ids, n, &extended, &err))
            log_msg(LOG_WARN, NULL, "heartbeat: extending slot %d's claims: %s", i, err.msg);
        else if (extended < n)
            log_msg(LOG_WARN, NULL, "slot %d: %d held job(s) were taken over by another worker "
                    "(this one was too slow to extend them)", i, n - extended);
    }
    free(copy);
    free((void *)streams);
    free((void *)ids);
}

typedef struct CancelJob { Slot *s; PGcancel *handles[3]; } CancelJob;

/* PQcancel opens a new connection and can block for long when the database
 * is unreachable - exactly when queries hang - so it runs on a thread of
 * its own, never on the heartbeat. The slot does not free the handles while
 * cancel_users says they are in use. */
static void *cancel_thread(void *arg)
{
    CancelJob *cj = arg;
    for (int c = 0; c < 3; c++) {
        char errbuf[256];
        if (cj->handles[c] && !PQcancel(cj->handles[c], errbuf, sizeof errbuf))
            log_msg(LOG_WARN, NULL, "watchdog: slot %d: cancel failed: %s", cj->s->index, errbuf);
    }
    pthread_mutex_lock(&cj->s->lock);
    cj->s->cancel_users--;
    pthread_cond_broadcast(&cj->s->cancel_done);
    pthread_mutex_unlock(&cj->s->lock);
    free(cj);
    return NULL;
}

/* A job past its deadline (or still running when the drain's grace period
 * ends) that does not reach a progress point is usually waiting on a query:
 * cancel the query, so the job fails now and is retried (timeout) or
 * handed back (shutdown) instead of holding the slot. */
static void watchdog(Worker *w)
{
    int64_t now = envelope_now_ms();
    for (int i = 0; i < w->nslots; i++) {
        Slot *s = &w->slots[i];
        pthread_mutex_lock(&s->lock);
        int why = 0;
        if (s->busy && !s->cancel_sent) {
            if (now > s->deadline_ms + 1000) why = WATCHDOG_TIMEOUT;
            else if (w->stopping && now > w->stop_deadline_ms) why = WATCHDOG_SHUTDOWN;
        }
        CancelJob *cj = why ? calloc(1, sizeof *cj) : NULL;
        if (cj) {
            s->cancel_sent = why;
            cj->s = s;
            memcpy(cj->handles, s->cancels, sizeof cj->handles);
            s->cancel_users++;
            log_msg(LOG_WARN, s->cur_job, "watchdog: %s; cancelling its query",
                    why == WATCHDOG_TIMEOUT ? "past its deadline" : "still running after the grace period");
        }
        pthread_mutex_unlock(&s->lock);
        pthread_t t;
        if (cj && pthread_create(&t, NULL, cancel_thread, cj) == 0) pthread_detach(t);
        else if (cj) {
            pthread_mutex_lock(&s->lock);
            s->cancel_users--;
            pthread_mutex_unlock(&s->lock);
            free(cj);
        }
    }
}

static void promote(Worker *w, Rds *r)
{
    FarmErr err = {0};
    int moved = 0;
    if (queue_promote_due(r, &w->qopts, envelope_now_ms(), 1000, &moved, &err))
        log_msg(LOG_WARN, NULL, "heartbeat: moving due retries: %s", err.msg);
    else if (moved)
        log_msg(LOG_DEBUG, NULL, "moved %d due job(s) back to their streams", moved);
}

void *heartbeat_main(void *arg)
{
    Worker *w = arg;
    Rds *r = NULL;
    FarmErr err = {0};
    int64_t next_beat = 0;
    for (;;) {
        if (!r && rds_open(w->cfg->redis.url, 5000, &r, &err)) {
            log_msg(LOG_WARN, NULL, "heartbeat: %s", err.msg);
            r = NULL;
        }
        int64_t now = envelope_now_ms();
        if (r && now >= next_beat) {
            announce(w, r);
            extend_claims(w, r);
            next_beat = now + w->cfg->worker.heartbeat_ms;
        }
        if (r) promote(w, r);
        watchdog(w);
        if (w->stopping == 2) break;   /* slots joined: main asks us to end */
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (r && workers_remove(r, &w->qopts, w->id, &err))
        log_msg(LOG_WARN, NULL, "heartbeat: leaving the workers registry: %s", err.msg);
    rds_close(r);
    return NULL;
}
