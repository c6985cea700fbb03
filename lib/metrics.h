/* metrics.h - the Prometheus text exposition format (version 0.0.4), as
 * writers into a growable buffer, and histograms with fixed bucket edges.
 *
 * Names follow docs/status-api.md ("Metrics"): prefix stratfarm_, base
 * units (seconds), counters end in _total, no job ids or symbols as labels.
 * The writers escape label values (backslash, quote, newline) and print
 * values the way promtool accepts (integers without exponent, +Inf, NaN).
 *
 * Memory: a MetricsBuf owns its text (metrics_buf_free); a write that
 * cannot grow the buffer sets oom and writes nothing more, so callers check
 * once at the end. Nothing here is thread-safe except MetricsHist, whose
 * observe and snapshot take its own lock. */
#ifndef SF_METRICS_H
#define SF_METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct MetricsBuf {
    char *s;          /* NUL-terminated text, owned; NULL until the first write */
    size_t len, cap;
    int oom;          /* 1 after a failed allocation */
} MetricsBuf;

void metrics_buf_free(MetricsBuf *b);
/* Takes the text out (caller frees); the buffer is empty afterwards.
 * NULL when oom. */
char *metrics_buf_take(MetricsBuf *b, size_t *len);
void metrics_printf(MetricsBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge,
 * histogram). Each family once, before its samples. */
void metrics_family(MetricsBuf *b, const char *name, const char *type, const char *help);

/* One sample: name{k1="v1",...} value. labels: nlabels pairs (key, value),
 * i.e. 2*nlabels strings; may be NULL when nlabels is 0. */
void metrics_sample(MetricsBuf *b, const char *name, const char *const *labels, int nlabels,
                    double value);

/* A histogram's state: counts per bucket (not cumulative), the last one
 * for values above every edge (+Inf). Edges in base units, increasing. */
#define METRICS_MAX_BUCKETS 24
typedef struct MetricsHist {
    const double *edges;                  /* borrowed, static */
    int nedges;                           /* <= METRICS_MAX_BUCKETS - 1 */
    uint64_t counts[METRICS_MAX_BUCKETS]; /* nedges + 1 used */
    double sum;
    uint64_t count;
    pthread_mutex_t lock;                 /* for metrics_hist_observe/snapshot */
} MetricsHist;

void metrics_hist_init(MetricsHist *h, const double *edges, int nedges);
/* The index of the bucket value falls in (value <= edges[i]), nedges for +Inf. */
int metrics_bucket_of(const double *edges, int nedges, double value);
/* Thread-safe: counts one value. */
void metrics_hist_observe(MetricsHist *h, double value);
/* Thread-safe copy of counts, sum and count into out (out->lock unused). */
void metrics_hist_snapshot(MetricsHist *h, MetricsHist *out);

/* name_bucket{labels...,le="edge"} (cumulative), name_sum, name_count. */
void metrics_histogram(MetricsBuf *b, const char *name, const char *const *labels, int nlabels,
                       const MetricsHist *h);

/* The bucket edges the farm uses, in seconds (shared by the worker's own
 * histograms and the farm-wide ones in lib/jobhist). */
extern const double metrics_duration_edges[];
extern const int metrics_duration_nedges;
extern const double metrics_wait_edges[];
extern const int metrics_wait_nedges;

#endif
