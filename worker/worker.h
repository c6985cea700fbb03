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

typedef struct Worker Worker;

typedef struct Slot {
    Worker *w;
    int index;
    char consumer[192];           /* <host>:<pid>:<slot> */
    Rds *redis;                   /* owned */
    Db *website, *backtest, *history; /* owned, opened on first use */
    int pending_replies;          /* pipelined replies not read yet */
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
} Slot;

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
    volatile sig_atomic_t stopping;
    int64_t stop_deadline_ms;     /* set when stopping: end of the grace period */
    int64_t started_ms;
};

int worker_now_stopping(const Worker *w);
/* A slot's thread body. */
void *slot_main(void *arg);
/* Handles one delivered message completely (ack, retry, dead, or leave). */
void slot_process(Slot *s, QueueMsg *m);
/* Reads replies of pipelined commands; call before any synchronous command. */
int slot_sync(Slot *s, FarmErr *err);
/* The heartbeat thread body. */
void *heartbeat_main(void *arg);

#endif
