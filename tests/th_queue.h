/* th_queue.h - a farm with a worker config and a Redis handle, for tests
 * that enqueue jobs and watch their state (tests/worker/, job tests). */
#ifndef SF_TH_QUEUE_H
#define SF_TH_QUEUE_H

#include "queue.h"
#include "th_farm.h"

typedef struct ThQueue { ThFarm farm; Rds *r; QueueOpts q; } ThQueue;

/* th_farm_up (migrated), config_yaml written to farm.yaml and named by
 * STRATFARM_CONFIG, the test table job_test_effects created, Redis opened
 * (the connection stays reachable for the test process's life). */
void thq_setup(ThQueue *e, const char *config_yaml);

/* Enqueues one job; id_out (37 bytes) may be NULL. */
void thq_enqueue(ThQueue *e, const char *kind, Lane lane, int max_attempts, const char *payload,
                 char *id_out);

/* A field of the job's state hash as text (malloc'd; "" when absent). */
char *thq_field(ThQueue *e, const char *id, const char *field);

/* 1 when the job reached status within timeout_ms. */
int thq_wait_status(ThQueue *e, const char *id, const char *status, int timeout_ms);

/* An integer reply of `cmd key` (e.g. "XLEN", "sf:dead"); -1 if not an integer. */
long long thq_redis_int(ThQueue *e, const char *cmd, const char *key);

#endif
