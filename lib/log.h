/* log.h - one JSON object per line on stderr:
 *   {"ts":"2026-11-25T08:34:05.123Z","level":"info","component":"worker",
 *    "job":"0193...","msg":"..."}
 * Thread-safe (one write(2) per line). Never pass a secret to these. */
#ifndef SF_LOG_H
#define SF_LOG_H

#include "err.h"

#include <stddef.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } LogLevel;

void log_set_level(LogLevel min);
int log_level_parse(const char *s, LogLevel *out); /* 0 ok, -1 unknown */
void log_set_component(const char *component);     /* copied; process-wide default */

/* job_id may be NULL. */
void log_msg(LogLevel lvl, const char *job_id, const char *fmt, ...) SF_PRINTF(3, 4);

#define log_debug(...) log_msg(LOG_DEBUG, NULL, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, NULL, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, NULL, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, NULL, __VA_ARGS__)

/* Appends s to buf (capacity cap, current length *len) with JSON string
 * escaping, without quotes. Truncates safely. Used by log and elsewhere. */
void log_json_escape(char *buf, size_t cap, size_t *len, const char *s);

#endif
