/* lib/metrics: the Prometheus text format, checked by promtool when the
 * machine has it (Debian's prometheus package, installed by ops/deps.sh). */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(metrics_samples_escape_label_values_and_print_integers_plainly)
{
    MetricsBuf b = {0};
    metrics_family(&b, "stratfarm_x_total", "counter", "A test \\ counter.\nSecond line.");
    const char *labels[] = {"kind", "a\"b\\c\nd", "lane", "batch"};
    metrics_sample(&b, "stratfarm_x_total", labels, 2, 3);
    metrics_sample(&b, "stratfarm_x_total", NULL, 0, 0.25);
    size_t len;
    char *t = metrics_buf_take(&b, &len);
    CHECK_CONTAINS(t, "# HELP stratfarm_x_total A test \\\\ counter.\\nSecond line.\n");
    CHECK_CONTAINS(t, "# TYPE stratfarm_x_total counter\n");
    CHECK_CONTAINS(t, "stratfarm_x_total{kind=\"a\\\"b\\\\c\\nd\",lane=\"batch\"} 3\n");
    CHECK_CONTAINS(t, "stratfarm_x_total 0.25\n");
    CHECK_INT(len, strlen(t));
    free(t);
}

TEST(metrics_histograms_are_cumulative_with_inf_sum_and_count)
{
    static const double edges[] = {0.1, 1, 10};
    MetricsHist h;
    metrics_hist_init(&h, edges, 3);
    metrics_hist_observe(&h, 0.05);
    metrics_hist_observe(&h, 0.1);   /* le is inclusive */
    metrics_hist_observe(&h, 5);
    metrics_hist_observe(&h, 50);
    CHECK_INT(metrics_bucket_of(edges, 3, 0.1), 0);
    CHECK_INT(metrics_bucket_of(edges, 3, 11), 3);
    MetricsHist snap;
    metrics_hist_snapshot(&h, &snap);
    MetricsBuf b = {0};
    const char *labels[] = {"kind", "noop"};
    metrics_family(&b, "stratfarm_t_seconds", "histogram", "t");
    metrics_histogram(&b, "stratfarm_t_seconds", labels, 1, &snap);
    char *t = metrics_buf_take(&b, NULL);
    CHECK_CONTAINS(t, "stratfarm_t_seconds_bucket{kind=\"noop\",le=\"0.1\"} 2\n");
    CHECK_CONTAINS(t, "stratfarm_t_seconds_bucket{kind=\"noop\",le=\"1\"} 2\n");
    CHECK_CONTAINS(t, "stratfarm_t_seconds_bucket{kind=\"noop\",le=\"10\"} 3\n");
    CHECK_CONTAINS(t, "stratfarm_t_seconds_bucket{kind=\"noop\",le=\"+Inf\"} 4\n");
    CHECK_CONTAINS(t, "stratfarm_t_seconds_sum{kind=\"noop\"} 55.1");
    CHECK_CONTAINS(t, "stratfarm_t_seconds_count{kind=\"noop\"} 4\n");
    th_write("m.txt", t);
    free(t);
    char *out = NULL;
    int rc = th_run(&out, "command -v promtool >/dev/null || exit 77; promtool check metrics < m.txt");
    if (rc == 77) { free(out); th_skip("promtool not installed (Debian prometheus; make deps)"); }
    CHECKF(rc == 0, "promtool: %s", out ? out : "");
    free(out);
    pthread_mutex_destroy(&h.lock);
}
