/* aa_prompt.c - snapshot, templates and inputs (aa_prompt.h). */
#define _POSIX_C_SOURCE 200809L
#include "aa_prompt.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double pct_change(const HistorySeries *s, size_t back)
{
    if (s->n <= back) return 0;
    double a = s->close[s->n - 1 - back], b = s->close[s->n - 1];
    return a > 0 ? round((b / a - 1) * 1e6) / 1e4 : 0;
}

json_t *aa_snapshot(const HistorySeries *s, const TaAgentResult *ta, const char *symbol,
                    const char *timeframe)
{
    char asof[20];
    history_format_ts(s->n ? s->ts[s->n - 1] : 0, asof);
    return json_pack("{s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "symbol", symbol,
                     "timeframe", timeframe, "as_of", asof, "bars", (int)s->n, "close", ta->close,
                     "change_pct_1", pct_change(s, 1), "change_pct_5", pct_change(s, 5),
                     "change_pct_20", pct_change(s, 20), "sma_20", ta->sma20, "sma_50", ta->sma50,
                     "rsi_14", ta->rsi14, "macd_hist_12_26_9", ta->macd_hist, "bollinger_pct_b",
                     ta->pct_b, "volume", s->volume ? s->volume[s->n - 1] : 0.0);
}

char *aa_template_load(const char *path, FarmErr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) { err_set(err, SF_ECONFIG, "prompt template %s: cannot read it", path); return NULL; }
    char *buf = malloc(AA_TEMPLATE_MAX + 1);
    size_t n = buf ? fread(buf, 1, AA_TEMPLATE_MAX + 1, f) : 0;
    fclose(f);
    if (!buf) { err_set(err, SF_EIO, "out of memory"); return NULL; }
    if (n > AA_TEMPLATE_MAX) {
        free(buf);
        err_set(err, SF_ECONFIG, "prompt template %s: larger than %d bytes", path, AA_TEMPLATE_MAX);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

char *aa_template_fill(const char *tmpl, const char *const *vars)
{
    size_t cap = strlen(tmpl) + 1, len = 0;
    for (const char *const *v = vars; v[0]; v += 2) cap += 4 * strlen(v[1]) + 8;
    char *out = malloc(cap);
    if (!out) return NULL;
    for (const char *p = tmpl; *p;) {
        const char *close = strncmp(p, "{{", 2) == 0 ? strstr(p + 2, "}}") : NULL;
        const char *val = NULL;
        for (const char *const *v = vars; close && v[0] && !val; v += 2)
            if ((size_t)(close - p - 2) == strlen(v[0]) && strncmp(p + 2, v[0], strlen(v[0])) == 0)
                val = v[1];
        if (!val) { out[len++] = *p++; continue; }
        size_t vl = strlen(val);
        if (len + vl + 1 > cap) { char *g = realloc(out, cap = len + vl + cap); if (!g) { free(out); return NULL; } out = g; }
        memcpy(out + len, val, vl);
        len += vl;
        p = close + 2;
    }
    out[len] = '\0';
    return out;
}

typedef struct Buf { char *p; size_t n, max; int over; } Buf;

static size_t on_data(char *d, size_t sz, size_t k, void *u)
{
    Buf *b = u;
    size_t n = sz * k;
    if (b->n + n > b->max) { b->over = 1; return 0; }
    char *g = realloc(b->p, b->n + n + 1);
    if (!g) return 0;
    memcpy(g + b->n, d, n);
    b->n += n;
    g[b->n] = '\0';
    b->p = g;
    return n;
}

json_t *aa_fetch_input(const char *url, size_t max_bytes, int timeout_ms)
{
    CURL *h = curl_easy_init();
    Buf b = {NULL, 0, max_bytes, 0};
    char why[256] = "";
    long status = 0;
    json_t *out = NULL;
    if (!h) return json_pack("{s:s}", "error", "curl unavailable");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    if (b.over) snprintf(why, sizeof why, "input larger than %zu bytes", max_bytes);
    else if (rc != CURLE_OK) snprintf(why, sizeof why, "%s", curl_easy_strerror(rc));
    else if (status != 200) snprintf(why, sizeof why, "HTTP %ld", status);
    else if (!(out = json_loadb(b.p ? b.p : "", b.n, 0, NULL))) snprintf(why, sizeof why, "not JSON");
    free(b.p);
    return out ? out : json_pack("{s:s}", "error", why);
}
