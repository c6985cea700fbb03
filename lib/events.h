/* events.h - messages for the website on <prefix>events (a capped stream).
 * Every event is a full message envelope of the platform's message design
 * (seed 002): {"message_type", "request_id", "timestamp", "payload"}. The
 * stream entry carries two fields: `type` (the message_type, for cheap
 * filtering) and `event` (the JSON text). */
#ifndef SF_EVENTS_H
#define SF_EVENTS_H

#include <jansson.h>

#include "queue.h"

/* Builds the envelope around payload (borrowed, not stolen) and XADDs it
 * with MAXLEN ~ events_maxlen. request_id may be NULL (then ""). */
int events_emit(Rds *r, const QueueOpts *o, const char *message_type, const char *request_id,
                json_t *payload, FarmErr *err) SF_MUSTCHECK;

/* Appends the same XADD to a pipeline without reading the reply; returns
 * the number of replies to read (1) or -1. */
int events_append(Rds *r, const QueueOpts *o, const char *message_type, const char *request_id,
                  json_t *payload, FarmErr *err) SF_MUSTCHECK;

#endif
