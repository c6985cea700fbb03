#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *build(const char *type, const char *request_id, json_t *payload)
{
    char when[32];
    envelope_iso_ms(envelope_now_ms(), when);
    json_t *o = json_object();
    json_object_set_new(o, "message_type", json_string(type));
    json_object_set_new(o, "request_id", json_string(request_id ? request_id : ""));
    json_object_set_new(o, "timestamp", json_string(when));
    json_object_set(o, "payload", payload ? payload : json_null());
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

int events_append(Rds *r, const QueueOpts *o, const char *message_type, const char *request_id,
                  json_t *payload, FarmErr *err)
{
    char key[64], maxlen[24];
    queue_key(o, key, sizeof key, "events");
    snprintf(maxlen, sizeof maxlen, "%ld", o->events_maxlen > 0 ? o->events_maxlen : 100000);
    char *text = build(message_type, request_id, payload);
    if (!text) return err_set(err, SF_EIO, "event: out of memory");
    const char *argv[] = {"XADD", key, "MAXLEN", "~", maxlen, "*", "type", message_type, "event", text};
    int rc = rds_appendargv(r, err, 10, argv, NULL);
    free(text);
    return rc ? -1 : 1;
}

int events_emit(Rds *r, const QueueOpts *o, const char *message_type, const char *request_id,
                json_t *payload, FarmErr *err)
{
    int n = events_append(r, o, message_type, request_id, payload, err);
    return n < 0 ? -1 : rds_drain(r, n, err);
}
