/* status_api.h - the scheduler's status API (docs/status-api.md): JSON
 * over HTTP, Prometheus metrics and the operator's page, served by every
 * scheduler replica from what Redis holds (lib/queue_admin, lib/workers,
 * lib/jobhist, lib/leader, lib/sched_state). The one entry point
 * scheduler/main.c calls. */
#ifndef SF_STATUS_API_H
#define SF_STATUS_API_H

#include "config.h"
#include "err.h"

typedef struct StatusApi StatusApi;

/* Starts serving cfg->api.listen with cfg's token and limits; refuses a
 * non-loopback address without STRATFARM_API_TOKEN (SF_ECONFIG). cfg must
 * outlive the API. *out is the caller's (status_api_stop). */
int status_api_start(const Config *cfg, StatusApi **out, FarmErr *err) SF_MUSTCHECK;

/* The bound port (after an address with port 0, in tests). */
int status_api_port(const StatusApi *api);

/* Stops serving, waits for running requests, closes connections. NULL-safe. */
void status_api_stop(StatusApi *api);

#endif
