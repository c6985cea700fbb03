#define _GNU_SOURCE
#include "status_th.h"
#include "th.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

void stth_up(StTh *t, const char *config_yaml, const char *token)
{
    memset(t, 0, sizeof *t);
    thq_setup(&t->q, config_yaml);
    if (token) setenv("STRATFARM_API_TOKEN", token, 1);
    else unsetenv("STRATFARM_API_TOKEN");
    FarmErr err = {0};
    REQUIREF(registry_config_load(NULL, &t->cfg, &err) == 0, "%s", err.msg);
    /* A free port: the configuration allows only 1..65535. */
    free(t->cfg->api.listen);
    t->cfg->api.listen = strdup("127.0.0.1:0");
    REQUIREF(status_api_start(t->cfg, &t->api, &err) == 0, "%s", err.msg);
    snprintf(t->base, sizeof t->base, "http://127.0.0.1:%d", status_api_port(t->api));
}

void stth_down(StTh *t)
{
    status_api_stop(t->api);
    config_free(t->cfg);
    t->api = NULL;
    t->cfg = NULL;
}

long stth_req(StTh *t, const char *method, const char *path, const char *token, const char *body,
              json_t **json, char **text)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", t->base, path);
    ThHttp r;
    th_http(&r, method, url, token, body);
    if (json) *json = json_loads(r.body, 0, NULL);
    if (text) *text = r.body;
    else th_http_free(&r);
    return r.status;
}
