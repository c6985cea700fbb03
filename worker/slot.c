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
    s->pending_replies = 0;
    if (strstr(cause->msg, "NOGROUP")) {
        /* The streams were deleted (a flushed or replaced Redis): make the
         * groups again rather than fail every read from now on. */
        log_msg(LOG_WARN, NULL, "slot %d: %s; creating the consumer groups again", s->index, cause->msg);
        for (int k = 0; k < s->w->nkinds; k++) {
            FarmErr e = {0};
            if (queue_ensure_groups(s->redis, &s->w->qopts, s->w->kinds[k], &e))
                log_msg(LOG_WARN, NULL, "slot %d: %s", s->index, e.msg);
        }
        sleep_ms(100);
        return;
    }
    log_msg(LOG_WARN, NULL, "slot %d: redis: %s; reconnecting", s->index, cause->msg);
    while (!worker_now_stopping(s->w)) {
        FarmErr err = {0};
        if (rds_reconnect(s->redis, &err) == 0) return;
        sleep_ms(delay);
        if (delay < 5000) delay *= 2;
    }
}

static void hold(Slot *s, const QueueMsg *msgs, int n)
{
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < n; i++) {
        snprintf(s->held[i].stream, sizeof s->held[i].stream, "%s", msgs[i].stream);
        snprintf(s->held[i].id, sizeof s->held[i].id, "%s", msgs[i].entry_id);
    }
    s->nheld = n;
    s->held_next = 0;
    pthread_mutex_unlock(&s->lock);
}

static void release(Slot *s, int upto)
{
    pthread_mutex_lock(&s->lock);
    s->held_next = upto;
    if (upto >= s->nheld) s->nheld = s->held_next = 0;
    pthread_mutex_unlock(&s->lock);
}

static void process_batch(Slot *s, QueueMsg *msgs, int n)
{
    int i = 0;
    hold(s, msgs, n);
    for (; i < n && !worker_now_stopping(s->w); i++) {
        slot_process(s, &msgs[i]);
        queue_msg_free(&msgs[i]);
        release(s, i + 1);
    }
    FarmErr err = {0};
    if (slot_flush(s, &err) || slot_sync(s, &err)) recover(s, &err);
    /* Not started because we are stopping: put back at the end of their
     * streams for another worker to start now (an entry that cannot be put
     * back stays pending and is reclaimed after the visibility timeout). */
    for (; i < n; i++) {
        FarmErr e = {0};
        if (queue_handback(s->redis, &s->w->qopts, &msgs[i], NULL, &e))
            log_msg(LOG_WARN, NULL, "slot %d: handing back %s: %s", s->index, msgs[i].entry_id, e.msg);
        queue_msg_free(&msgs[i]);
    }
    release(s, n);
}

void *slot_main(void *arg)
{
    Slot *s = arg;
    Worker *w = s->w;
    QueueMsg *msgs = calloc(SLOT_BATCH_MAX, sizeof *msgs);
    s->held = calloc(SLOT_BATCH_MAX, sizeof *s->held);
    if (!msgs || !s->held) { log_error("slot %d: out of memory", s->index); free(msgs); return NULL; }
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
