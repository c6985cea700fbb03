/* ma.c - SMA and EMA, single and several-at-once.
 *
 * Both follow TA-Lib's arithmetic step for step (its SMA keeps one running
 * total: add the newest, divide, subtract the oldest; its EMA is seeded with
 * the SMA of the first period and then prev = (x - prev) * k + prev), so the
 * results are bit-identical to TA-Lib, including the rounding residue a
 * running total carries through flat stretches. The *_multi variants run
 * several recurrences interleaved: each is a serial dependency chain, so one
 * chain alone leaves the FPU idle most cycles; interleaving fills it. */
#include "ta/ta.h"
#include "ta/ta_internal.h"

int ta_sma_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period - 1 : -1;
}

int ta_ema_lookback(int period)
{
    return period >= 2 && period <= TA_PERIOD_MAX ? period - 1 : -1;
}

/* The running total is a serial chain; the division by the period is not,
 * so it runs as a separate pass over each block (in L1), as packed divides.
 * Same quotients, bit for bit. */
int ta__sma_core(const double *in, size_t n, int period, double *out, int check)
{
    size_t p = (size_t)period, i;
    double sum = 0.0, dp = (double)period;
    uint64_t bad = check ? ta__bad(in, p - 1) : 0;
    for (i = 0; i + 1 < p; i++)
        sum += in[i];
    while (i < n) {
        size_t len = n - i < TA_BLOCK ? n - i : TA_BLOCK;
        const double *x = in + i, *old = in + i + 1 - p;
        double *o = out + i;
        for (size_t j = 0; j < len; j++) {
            if ((j & 7) == 0)
                ta__pfw(o + j);
            sum += x[j];
            o[j] = sum;
            sum -= old[j];
        }
        if (check)
            bad |= ta__bad(x, len);
        ta__div(o, o, len, dp);
        i += len;
    }
    return bad != 0;
}

int ta_sma(const double *in, size_t n, int period, double *out)
{
    int lb = ta_sma_lookback(period);
    int rc = ta__prepare_lazy(n, lb, &in, 1, &out, 1);
    if (rc != TA_OK)
        return rc;
    if (ta__sma_core(in, n, period, out, 1))
        return ta__fail(n, &out, 1);
    ta__fill_nan(out, 0, (size_t)lb);
    return TA_OK;
}

static double ema_seed(const double *in, size_t from, int period)
{
    double sum = 0.0;
    for (size_t i = from; i < from + (size_t)period; i++)
        sum += in[i];
    return sum / (double)period;
}

int ta_ema(const double *in, size_t n, int period, double *out)
{
    int lb = ta_ema_lookback(period);
    int rc = ta__prepare_lazy(n, lb, &in, 1, &out, 1);
    if (rc != TA_OK)
        return rc;
    uint64_t bad = ta__bad(in, (size_t)lb + 1);
    double k = 2.0 / ((double)(period + 1));
    double e = ema_seed(in, 0, period);
    out[lb] = e;
    for (size_t i = (size_t)lb + 1; i < n;) {
        size_t len = n - i < TA_BLOCK ? n - i : TA_BLOCK;
        const double *x = in + i;
        double *o = out + i;
        for (size_t j = 0; j < len; j++) {
            if ((j & 7) == 0)
                ta__pfw(o + j);
            e = ((x[j] - e) * k) + e;
            o[j] = e;
        }
        bad |= ta__bad(x, len);
        i += len;
    }
    if (bad)
        return ta__fail(n, &out, 1);
    ta__fill_nan(out, 0, (size_t)lb);
    return TA_OK;
}

/* Validates the multi call: rcs[j] is output j's code ignoring the input
 * values (those are checked while computing). Returns nonzero when the call
 * itself is unusable (then every output given is NaN). */
static int multi_prepare(const double *in, size_t n, const int *periods,
                         int count, double *const *outs, int rcs[TA_MULTI_MAX], int *rc)
{
    if (!in || !periods || !outs || count < 1 || count > TA_MULTI_MAX) {
        for (int j = 0; outs && j < count && j < TA_MULTI_MAX; j++)
            ta__fill_nan(outs[j], 0, n);
        *rc = !in || !periods || !outs ? TA_EINPUT : TA_EPARAM;
        return 1;
    }
    for (int j = 0; j < count; j++) {
        int lb = ta_sma_lookback(periods[j]);
        rcs[j] = !outs[j] ? TA_EINPUT : lb < 0 ? TA_EPARAM
               : n <= (size_t)lb ? TA_ESHORT : TA_OK;
        if (rcs[j] != TA_OK)
            ta__fill_nan(outs[j], 0, n);
    }
    return 0;
}

/* The first error in output order once the input check is known; on bad
 * input every computed output becomes NaN (TA_EINPUT). */
static int multi_finish(size_t n, const int *periods, int count, double *const *outs,
                        const int *rcs, int bad)
{
    int first = TA_OK;
    for (int j = 0; j < count; j++) {
        int rc = rcs[j];
        if (rc == TA_OK && bad) {
            rc = TA_EINPUT;
            ta__fill_nan(outs[j], 0, n);
        } else if (rc == TA_OK) {
            ta__fill_nan(outs[j], 0, (size_t)periods[j] - 1);
        }
        if (first == TA_OK)
            first = rc;
    }
    return first;
}

/* Up to TA_CHUNK chains per pass over a block; K and kind are constants
 * after inlining, so the running totals live in registers, not memory (a
 * total kept in memory adds a store-to-load forwarding delay to every step
 * of its serial chain), and only the kind's own step is left in the loop. */
#define TA_CHUNK 8

enum { MA_SMA, MA_EMA };

/* One step of every chain over the block [b0, b0 + len). st[c] is chain c's
 * state, carried in and out: for MA_SMA the running total (the undivided
 * sum goes to out, lag[c] = period - 1 locates the value leaving the
 * window), for MA_EMA the previous average (k[c] its smoothing factor). */
static inline __attribute__((always_inline)) void
ma_chunk(int kind, const double *in, size_t b0, size_t len, int K, double *st,
         const size_t *lag, const double *k, double *const *out)
{
    double s[TA_CHUNK], kk[TA_CHUNK];
    const double *old[TA_CHUNK];
    double *buf[TA_CHUNK];
#pragma GCC unroll 8
    for (int c = 0; c < K; c++) {
        s[c] = st[c];
        if (kind == MA_SMA)
            old[c] = in + b0 - lag[c];
        else
            kk[c] = k[c];
        buf[c] = out[c] + b0;
    }
    const double *x = in + b0;
    for (size_t j = 0; j < len; j++) {
        double xj = x[j];
        if ((j & 7) == 0) {
#pragma GCC unroll 8
            for (int c = 0; c < K; c++)
                ta__pfw(buf[c] + j);
        }
#pragma GCC unroll 8
        for (int c = 0; c < K; c++) {
            if (kind == MA_SMA) {
                double t = s[c] + xj;
                buf[c][j] = t;
                s[c] = t - old[c][j];
            } else {
                s[c] = ((xj - s[c]) * kk[c]) + s[c];
                buf[c][j] = s[c];
            }
        }
    }
#pragma GCC unroll 8
    for (int c = 0; c < K; c++)
        st[c] = s[c];
}

/* K (1..TA_CHUNK) made a constant for ma_chunk; inlined into each caller, so
 * kind is one too. */
static inline __attribute__((always_inline)) void
ma_chunk_any(int kind, const double *in, size_t b0, size_t len, int K, double *st,
             const size_t *lag, const double *k, double *const *out)
{
    switch (K) {
    case 1: ma_chunk(kind, in, b0, len, 1, st, lag, k, out); break;
    case 2: ma_chunk(kind, in, b0, len, 2, st, lag, k, out); break;
    case 3: ma_chunk(kind, in, b0, len, 3, st, lag, k, out); break;
    case 4: ma_chunk(kind, in, b0, len, 4, st, lag, k, out); break;
    case 5: ma_chunk(kind, in, b0, len, 5, st, lag, k, out); break;
    case 6: ma_chunk(kind, in, b0, len, 6, st, lag, k, out); break;
    case 7: ma_chunk(kind, in, b0, len, 7, st, lag, k, out); break;
    default: ma_chunk(kind, in, b0, len, 8, st, lag, k, out); break;
    }
}

/* An SMA chain alone up to start (exclusive): writes its outputs there and
 * returns the running total the shared pass carries on from. */
static double sma_warm(const double *in, size_t p, size_t start, double *out)
{
    size_t i;
    double s = 0.0;
    for (i = 0; i + 1 < p; i++)
        s += in[i];
    for (; i < start; i++) {
        s += in[i];
        double v = s / (double)p;
        s -= in[i + 1 - p];
        out[i] = v;
    }
    return s;
}

/* An EMA chain alone up to start (inclusive): writes its outputs there and
 * returns the average the shared pass carries on from. */
static double ema_warm(const double *in, int period, double k, size_t start, double *out)
{
    size_t lb = (size_t)period - 1;
    double v = ema_seed(in, 0, period);
    out[lb] = v;
    for (size_t i = lb + 1; i <= start; i++) {
        v = ((in[i] - v) * k) + v;
        out[i] = v;
    }
    return v;
}

/* ta_sma_multi and ta_ema_multi; kind is a constant after inlining. Each
 * chain warms up alone up to the largest lookback; from there on all chains
 * advance together, one candle at a time (SMA from the largest lookback,
 * EMA from the candle after it, as its warm-up includes that one). */
static inline __attribute__((always_inline)) int
ma_multi(int kind, const double *in, size_t n, const int *periods, int count,
         double *const *outs)
{
    int rcs[TA_MULTI_MAX], rc;
    if (multi_prepare(in, n, periods, count, outs, rcs, &rc))
        return rc;
    double st[TA_MULTI_MAX], div[TA_MULTI_MAX], k[TA_MULTI_MAX];
    double *o[TA_MULTI_MAX];
    size_t lag[TA_MULTI_MAX];
    int m = 0;
    size_t start = 0;
    for (int j = 0; j < count; j++)
        if (rcs[j] == TA_OK && (size_t)periods[j] - 1 > start)
            start = (size_t)periods[j] - 1;
    size_t from = kind == MA_SMA ? start : start + 1;
    uint64_t bad = ta__bad(in, from < n ? from : n);
    for (int j = 0; j < count; j++) {
        if (rcs[j] != TA_OK)
            continue;
        size_t p = (size_t)periods[j];
        if (kind == MA_SMA) {
            st[m] = sma_warm(in, p, start, outs[j]);
            div[m] = (double)p;
            lag[m] = p - 1;
        } else {
            k[m] = 2.0 / ((double)(periods[j] + 1));
            st[m] = ema_warm(in, periods[j], k[m], start, outs[j]);
        }
        o[m] = outs[j];
        m++;
    }
    for (size_t i = from; m > 0 && i < n;) {
        size_t len = n - i < TA_BLOCK ? n - i : TA_BLOCK;
        for (int c0 = 0; c0 < m; c0 += TA_CHUNK) {
            int K = m - c0 < TA_CHUNK ? m - c0 : TA_CHUNK;
            ma_chunk_any(kind, in, i, len, K, st + c0, lag + c0, k + c0, o + c0);
            if (kind == MA_SMA) {
#pragma GCC unroll 8
                for (int c = 0; c < K; c++)
                    ta__div(o[c0 + c] + i, o[c0 + c] + i, len, div[c0 + c]);
            }
        }
        bad |= ta__bad(in + i, len);
        i += len;
    }
    return multi_finish(n, periods, count, outs, rcs, bad != 0);
}

int ta_sma_multi(const double *in, size_t n, const int *periods, int count,
                 double *const *outs)
{
    return ma_multi(MA_SMA, in, n, periods, count, outs);
}

int ta_ema_multi(const double *in, size_t n, const int *periods, int count,
                 double *const *outs)
{
    return ma_multi(MA_EMA, in, n, periods, count, outs);
}
