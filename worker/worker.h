/* worker.h - stratfarm-worker: N slots (threads), each with its own Redis
 * and PostgreSQL connections, reading jobs of the kinds it serves; one
 * heartbeat thread that announces the worker, extends the claims of running
 * jobs, moves due retries back and watches deadlines. */
#ifndef SF_WORKER_H
#define SF_WORKER_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "jobctx.h"
#include "queue.h"
#include "rds.h"

#define WORKER_MAX_KINDS 16
#define SLOT_BATCH_MAX QUEUE_BATCH_MAX /* entries per XREADGROUP, and per recorded batch */
#define SLOT_FLUSH_MS 100         /* a deferred success is recorded within this */

typedef struct Worker Worker;

typedef struct Slot {
    Worker *w;
    int index;
    char consumer[192];           /* <host>:<pid>:<slot> */
    Rds *redis;                   /* owned */
    Db *dbs[DB_ROLE_COUNT];       /* owned, by DbRole, opened on first use */
    int pending_replies;          /* pipelined replies not read yet */
    /* Deferred successes, all from one stream, kind and lane (finish.c). */
    QueueDone *done;              /* owned; SLOT_BATCH_MAX deferred successes of fast jobs
                                   * (finish.c), allocated on first use */
    int ndone;
    char done_stream[128], done_kind[32];
    Lane done_lane;
    int64_t done_first_ms;        /* start of the oldest deferred job */
    pthread_t thread;
    /* Read by the heartbeat thread under lock: */
    pthread_mutex_t lock;
    int busy;
    QueueMsg cur;                 /* stream and entry of the running job (no text) */
    char cur_job[UUID7_STRLEN + 1];
    char cur_kind[32];
    int64_t started_ms, deadline_ms;
    int64_t last_progress_ms;
    int64_t jobs_done;
    /* The watchdog's lever on a job stuck in a query: cancel handles of the
     * slot's connections (by DbRole), created
     * by the slot, used by the heartbeat thread, both under lock. */
    PGcancel *cancels[DB_ROLE_COUNT];
    int cancel_users;             /* watchdog cancels in flight: handles must not be freed */
    pthread_cond_t cancel_done;
    int cancel_sent;              /* 0, or why the watchdog cancelled: WATCHDOG_* */
    /* Entries the slot holds (claimed, not yet finished): held[held_next ..
     * nheld). The heartbeat extends all of them, not only the running one. */
    struct SlotHeld { char stream[128]; char id[48]; } *held; /* owned, SLOT_BATCH_MAX */
    int nheld, held_next;
} Slot;

enum { WATCHDOG_TIMEOUT = 1, WATCHDOG_SHUTDOWN = 2 };

struct Worker {
    const Config *cfg;            /* owned by main */
    QueueOpts qopts;
    char id[160];                 /* <host>:<pid> */
    char host[64];
    const char *kinds[WORKER_MAX_KINDS]; /* served kinds that this build has */
    int nkinds;
    int claim;                    /* XREADGROUP COUNT */
    int nslots;
    Slot *slots;
    /* Set by the signal handler (deadline first, then the flag), read by
     * every thread: atomics, so no thread sees the flag without the deadline. */
    _Atomic int stopping;
    _Atomic int64_t stop_deadline_ms; /* end of the grace period, once stopping */
    int64_t started_ms;
};

int worker_now_stopping(const Worker *w);
/* A slot's thread body. */
void *slot_main(void *arg);
/* Handles one delivered message completely (ack, retry, dead, or leave). */
void slot_process(Slot *s, QueueMsg *m);
/* Reads replies of pipelined commands; call before any synchronous command. */
int slot_sync(Slot *s, FarmErr *err);
/* Defers the recording of a fast job's success: running mark (started_ms),
 * succeeded (finished_ms), XACK and XDEL go to Redis with the rest of the
 * batch, in one atomic script, at the latest at the end of the batch or
 * SLOT_FLUSH_MS after the oldest deferred job started. Until then the entry
 * stays pending: a crash loses no job (it is reclaimed and run again). */
int slot_defer_success(Slot *s, const QueueMsg *m, const Envelope *env, int64_t started_ms,
                       int64_t finished_ms, FarmErr *err);
/* Records the deferred successes now; on error they are dropped (their
 * entries stay pending and are reclaimed). */
int slot_flush(Slot *s, FarmErr *err);
/* Replaces the cancel handle of connection idx (db NULL: drops it). */
void slot_set_cancel(Slot *s, DbRole role, Db *db);
/* Starts this process's /healthz and /metrics when worker.metrics_listen
 * is set (*out stays NULL otherwise); http_server_stop ends it. */
struct HttpServer;
int worker_metrics_start(Worker *w, struct HttpServer **out, FarmErr *err) SF_MUSTCHECK;
/* The heartbeat thread body. */
void *heartbeat_main(void *arg);

#endif
