/* status_th.h - the status API's tests: a farm (th_queue), the real API
 * started in this process on a free loopback port, and requests to it. */
#ifndef SF_STATUS_TH_H
#define SF_STATUS_TH_H

#include <jansson.h>

#include "th_http.h"
#include "th_queue.h"
#include "config.h"
#include "scheduler/status_api.h"

typedef struct StTh {
    ThQueue q;
    Config *cfg;
    StatusApi *api;
    char base[64];   /* http://127.0.0.1:PORT */
} StTh;

/* thq_setup(config_yaml), STRATFARM_API_TOKEN=token (NULL: unset), the
 * configuration loaded and the API started on 127.0.0.1:0. */
void stth_up(StTh *t, const char *config_yaml, const char *token);
void stth_down(StTh *t);
/* A request to path; the answer's JSON in *json when it is JSON (caller decrefs). */
long stth_req(StTh *t, const char *method, const char *path, const char *token, const char *body,
              json_t **json, char **text);

#endif
