/* metrics.c - Prometheus text exposition (metrics.h). */
#define _POSIX_C_SOURCE 200809L
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Job run times: from the fast kinds' milliseconds to hour-long backtests. */
const double metrics_duration_edges[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                         10, 30, 60, 120, 300, 600, 1800, 3600};
const int metrics_duration_nedges = (int)(sizeof metrics_duration_edges / sizeof(double));
/* Queue waits: an idle farm answers in milliseconds, a backlog in minutes. */
const double metrics_wait_edges[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300,
                                     900, 3600};
const int metrics_wait_nedges = (int)(sizeof metrics_wait_edges / sizeof(double));

void metrics_buf_free(MetricsBuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

char *metrics_buf_take(MetricsBuf *b, size_t *len)
{
    char *s = b->oom ? NULL : b->s;
    if (len) *len = s ? b->len : 0;
    if (!s) free(b->s);
    memset(b, 0, sizeof *b);
    return s;
}

static int grow(MetricsBuf *b, size_t need)
{
    if (b->oom) return -1;
    if (b->len + need + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + need + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) { b->oom = 1; return -1; }
    b->s = s;
    b->cap = cap;
    return 0;
}

void metrics_printf(MetricsBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void put_escaped(MetricsBuf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\') metrics_printf(b, "\\\\");
        else if (*v == '"') metrics_printf(b, "\\\"");
        else if (*v == '\n') metrics_printf(b, "\\n");
        else metrics_printf(b, "%c", *v);
    }
}

void metrics_family(MetricsBuf *b, const char *name, const char *type, const char *help)
{
    metrics_printf(b, "# HELP %s ", name);
    /* HELP text escapes only backslash and newline. */
    for (const char *p = help; *p; p++) {
        if (*p == '\\') metrics_printf(b, "\\\\");
        else if (*p == '\n') metrics_printf(b, "\\n");
        else metrics_printf(b, "%c", *p);
    }
    metrics_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void put_value(MetricsBuf *b, double v)
{
    if (isnan(v)) metrics_printf(b, "NaN");
    else if (isinf(v)) metrics_printf(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9e15) metrics_printf(b, "%.0f", v);
    else metrics_printf(b, "%.17g", v);
}

static void put_labels(MetricsBuf *b, const char *const *labels, int nlabels, const char *le)
{
    if (nlabels <= 0 && !le) return;
    metrics_printf(b, "{");
    for (int i = 0; i < nlabels; i++) {
        metrics_printf(b, "%s%s=\"", i ? "," : "", labels[2 * i]);
        put_escaped(b, labels[2 * i + 1] ? labels[2 * i + 1] : "");
        metrics_printf(b, "\"");
    }
    if (le) metrics_printf(b, "%sle=\"%s\"", nlabels > 0 ? "," : "", le);
    metrics_printf(b, "}");
}

void metrics_sample(MetricsBuf *b, const char *name, const char *const *labels, int nlabels,
                    double value)
{
    metrics_printf(b, "%s", name);
    put_labels(b, labels, nlabels, NULL);
    metrics_printf(b, " ");
    put_value(b, value);
    metrics_printf(b, "\n");
}

void metrics_hist_init(MetricsHist *h, const double *edges, int nedges)
{
    memset(h, 0, sizeof *h);
    h->edges = edges;
    h->nedges = nedges < METRICS_MAX_BUCKETS ? nedges : METRICS_MAX_BUCKETS - 1;
    pthread_mutex_init(&h->lock, NULL);
}

int metrics_bucket_of(const double *edges, int nedges, double value)
{
    for (int i = 0; i < nedges; i++)
        if (value <= edges[i]) return i;
    return nedges;
}

void metrics_hist_observe(MetricsHist *h, double value)
{
    int i = metrics_bucket_of(h->edges, h->nedges, value);
    pthread_mutex_lock(&h->lock);
    h->counts[i]++;
    h->sum += value;
    h->count++;
    pthread_mutex_unlock(&h->lock);
}

void metrics_hist_snapshot(MetricsHist *h, MetricsHist *out)
{
    pthread_mutex_lock(&h->lock);
    out->edges = h->edges;
    out->nedges = h->nedges;
    memcpy(out->counts, h->counts, sizeof h->counts);
    out->sum = h->sum;
    out->count = h->count;
    pthread_mutex_unlock(&h->lock);
}

void metrics_histogram(MetricsBuf *b, const char *name, const char *const *labels, int nlabels,
                       const MetricsHist *h)
{
    uint64_t cum = 0;
    for (int i = 0; i <= h->nedges; i++) {
        cum += h->counts[i];
        char le[32];
        if (i == h->nedges) snprintf(le, sizeof le, "+Inf");
        else snprintf(le, sizeof le, "%g", h->edges[i]);
        metrics_printf(b, "%s_bucket", name);
        put_labels(b, labels, nlabels, le);
        metrics_printf(b, " %llu\n", (unsigned long long)cum);
    }
    metrics_printf(b, "%s_sum", name);
    put_labels(b, labels, nlabels, NULL);
    metrics_printf(b, " ");
    put_value(b, h->sum);
    metrics_printf(b, "\n%s_count", name);
    put_labels(b, labels, nlabels, NULL);
    /* _count equals the +Inf bucket by definition; use the cumulative sum so
     * a torn read of the farm-wide counters can never disagree. */
    metrics_printf(b, " %llu\n", (unsigned long long)cum);
}
