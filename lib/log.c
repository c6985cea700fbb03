#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static LogLevel min_level = LOG_INFO;
static char component[32] = "stratfarm";
static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(LogLevel min) { min_level = min; }

int log_level_parse(const char *s, LogLevel *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0) { *out = (LogLevel)i; return 0; }
    return -1;
}

void log_set_component(const char *c)
{
    snprintf(component, sizeof component, "%s", c);
}

void log_json_escape(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = *len;
    for (; s && *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { buf[n++] = '\\'; buf[n++] = (char)c; }
        else if (c == '\n') { buf[n++] = '\\'; buf[n++] = 'n'; }
        else if (c == '\t') { buf[n++] = '\\'; buf[n++] = 't'; }
        else if (c < 0x20) n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c);
        else buf[n++] = (char)c;
    }
    buf[n] = '\0';
    *len = n;
}

void log_msg(LogLevel lvl, const char *job_id, const char *fmt, ...)
{
    if (lvl < min_level) return;
    char text[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);

    char line[2048];
    size_t n = (size_t)snprintf(line, sizeof line,
        "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"component\":\"",
        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
        tm.tm_sec, ts.tv_nsec / 1000000, level_names[lvl]);
    log_json_escape(line, sizeof line - 64, &n, component);
    n += (size_t)snprintf(line + n, sizeof line - n, "\"");
    if (job_id) {
        n += (size_t)snprintf(line + n, sizeof line - n, ",\"job\":\"");
        log_json_escape(line, sizeof line - 64, &n, job_id);
        n += (size_t)snprintf(line + n, sizeof line - n, "\"");
    }
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"msg\":\"");
    log_json_escape(line, sizeof line - 8, &n, text);
    n += (size_t)snprintf(line + n, sizeof line - n, "\"}\n");
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
