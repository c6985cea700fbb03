/* chart.c - SVG polylines of a curve, min/max per horizontal bucket so that
 * a spike survives the thinning. */
#include "chart.h"

#include "civil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#define W 800
#define H 300
#define PAD 40

typedef struct Buf { char *p; size_t len, cap; int oom; } Buf;

static void put(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Buf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->len) { b->len += (size_t)k; return; }
        size_t nc = b->cap * 2 + (size_t)(k > 0 ? k : 0) + 64;
        char *q = realloc(b->p, nc);
        if (!q) { b->oom = 1; return; }
        b->p = q;
        b->cap = nc;
    }
}

static void date_of(int64_t t, char out[11])
{
    int y, m, d;
    civil_date_from_days(t >= 0 ? t / 86400 : -((-t + 86399) / 86400), &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

static void points(Buf *b, const double *v, size_t n, double lo, double hi)
{
    size_t buckets = n < CHART_MAX_POINTS ? n : CHART_MAX_POINTS / 2;
    double span = hi > lo ? hi - lo : 1;
    for (size_t k = 0; k < buckets; k++) {
        size_t a = k * n / buckets, z = (k + 1) * n / buckets;
        if (z <= a) z = a + 1;
        size_t imin = a, imax = a;
        for (size_t i = a; i < z; i++) {
            if (v[i] < v[imin]) imin = i;
            if (v[i] > v[imax]) imax = i;
        }
        size_t first = imin < imax ? imin : imax, second = imin < imax ? imax : imin;
        size_t idx[2] = {first, second};
        for (int j = 0; j < (first == second ? 1 : 2); j++) {
            double x = PAD + (W - 2.0 * PAD) * (n > 1 ? (double)idx[j] / (double)(n - 1) : 0);
            double y = H - PAD - (H - 2.0 * PAD) * (v[idx[j]] - lo) / span;
            put(b, "%.1f,%.1f ", x, y);
        }
    }
}

char *chart_line_svg(const int64_t *t, const double *v, size_t n, const char *title, const char *color)
{
    Buf b = {malloc(4096), 0, 4096, 0};
    if (!b.p) return NULL;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i]; }
    if (!n) lo = hi = 0;
    char d0[11] = "", d1[11] = "";
    if (n) { date_of(t[0], d0); date_of(t[n - 1], d1); }
    put(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
            "<text x=\"%d\" y=\"20\" font-family=\"sans-serif\" font-size=\"14\">%s</text>"
            "<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%s</text>"
            "<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\" text-anchor=\"end\">%s</text>"
            "<text x=\"4\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%.6g</text>"
            "<text x=\"4\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%.6g</text>"
            "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" points=\"",
        W, H, W, H, PAD, title, PAD, H - 10, d0, W - PAD, H - 10, d1, PAD, hi, H - PAD, lo, color);
    points(&b, v, n, lo, hi);
    put(&b, "\"/></svg>");
    if (b.oom) { free(b.p); return NULL; }
    return b.p;
}

void chart_drawdown(const double *equity, size_t n, double initial, double *out)
{
    double peak = initial;
    for (size_t i = 0; i < n; i++) {
        if (equity[i] > peak) peak = equity[i];
        out[i] = peak > 0 ? (equity[i] - peak) / peak : 0;
    }
}

char *chart_base64(const char *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *o++ = tab[v >> 18]; *o++ = tab[(v >> 12) & 63]; *o++ = tab[(v >> 6) & 63]; *o++ = tab[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
        *o++ = tab[v >> 18]; *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}
