/* combine.c - conviction and signal (combine.h). */
#include "combine.h"

#include <math.h>
#include <string.h>

const char *combine_signal_name(Signal s)
{
    return s == SIGNAL_BUY ? "BUY" : s == SIGNAL_SELL ? "SELL" : "HOLD";
}

void combine_agents(const CombineAgent *a, size_t n, double buy_threshold, double sell_threshold,
                    Combined *out)
{
    memset(out, 0, sizeof *out);
    double wsum = 0, num = 0, den = 0;
    for (size_t i = 0; i < n && i < COMBINE_MAX_AGENTS; i++) {
        if (!(a[i].weight > 0)) continue;
        if (!a[i].ok) { out->degraded = 1; continue; }
        wsum += a[i].weight;
    }
    for (size_t i = 0; i < n && i < COMBINE_MAX_AGENTS && wsum > 0; i++) {
        if (!(a[i].weight > 0) || !a[i].ok) continue;
        double w = a[i].weight / wsum;
        out->used_weight[i] = w;
        num += w * a[i].confidence * a[i].score;
        den += w * a[i].confidence;
    }
    out->usable = wsum > 0;
    double s = den > 0 ? num / den : 0;
    out->conviction = round(50 * (1 + s) * 100) / 100;
    if (out->conviction > 100) out->conviction = 100;
    if (out->conviction < 0) out->conviction = 0;
    out->signal = !out->usable ? SIGNAL_HOLD
                : out->conviction >= buy_threshold ? SIGNAL_BUY
                : out->conviction <= sell_threshold ? SIGNAL_SELL : SIGNAL_HOLD;
}
