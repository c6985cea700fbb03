/* slot.c - one slot's loop: read (interactive first), reclaim what dead
 * workers left, process. */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int slot_sync(Slot *s, FarmErr *err)
{
    if (s->pending_replies == 0) return 0;
    int n = s->pending_replies;
    s->pending_replies = 0;
    return rds_drain(s->redis, n, err);
}

/* After an I/O error: reconnect with capped backoff until it works or the
 * worker stops. Pending pipelined replies are lost with the connection; the
 * entries they concerned stay pending in Redis and are reclaimed. */
static void recover(Slot *s, const FarmErr *cause)
{
    long delay = 100;
    log_msg(LOG_WARN, NULL, "slot %d: redis: %s; reconnecting", s->index, cause->msg);
    s->pending_replies = 0;
    while (!worker_now_stopping(s->w)) {
        FarmErr err = {0};
        if (rds_reconnect(s->redis, &err) == 0) return;
        sleep_ms(delay);
        if (delay < 5000) delay *= 2;
    }
}

static void process_batch(Slot *s, QueueMsg *msgs, int n)
{
    int i = 0;
    for (; i < n && !worker_now_stopping(s->w); i++) {
        slot_process(s, &msgs[i]);
        queue_msg_free(&msgs[i]);
    }
    /* Not started because we are stopping: left pending in the group, so
     * another worker reclaims them after the visibility timeout. */
    for (; i < n; i++) queue_msg_free(&msgs[i]);
    FarmErr err = {0};
    if (slot_flush(s, &err) || slot_sync(s, &err)) recover(s, &err);
}

void *slot_main(void *arg)
{
    Slot *s = arg;
    Worker *w = s->w;
    QueueMsg *msgs = calloc(SLOT_BATCH_MAX, sizeof *msgs);
    if (!msgs) { log_error("slot %d: out of memory", s->index); return NULL; }
    long vis_ms = (long)w->cfg->worker.visibility_timeout_s * 1000;
    /* Each slot scans for abandoned entries at its own phase. */
    int64_t next_reclaim = envelope_now_ms() + (vis_ms / 2) * s->index / (w->nslots ? w->nslots : 1);
    while (!worker_now_stopping(w)) {
        FarmErr err = {0};
        int n = 0;
        if (envelope_now_ms() >= next_reclaim) {
            next_reclaim = envelope_now_ms() + vis_ms / 2;
            if (queue_reclaim(s->redis, &w->qopts, s->consumer, w->kinds, w->nkinds, vis_ms,
                              msgs, w->claim, &n, &err)) { recover(s, &err); continue; }
            if (n > 0) {
                log_msg(LOG_INFO, NULL, "slot %d: reclaimed %d job(s) idle for over %ld ms",
                        s->index, n, vis_ms);
                process_batch(s, msgs, n);
                continue;
            }
        }
        if (queue_read(s->redis, &w->qopts, s->consumer, w->kinds, w->nkinds, w->claim,
                       w->cfg->worker.block_ms, msgs, SLOT_BATCH_MAX, &n, &err)) {
            recover(s, &err);
            continue;
        }
        process_batch(s, msgs, n);
    }
    free(msgs);
    return NULL;
}
