/* fuzz_csv.c - libFuzzer target for the CSV reader (lib/candle_csv.h), in
 * memory. The first byte picks options (zone, upsert, volume, DST gap), so
 * the zone conversion and fold paths are reached too. Properties: no crash
 * or leak; on success the series is strictly increasing in time and every
 * candle passes candle_check. */
#include <stdint.h>
#include <stdlib.h>

#include "candle_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const char *const zones[] = {"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"};
    unsigned o = data[0];
    CandleCsvOptions opt = {.tz = zones[o & 3], .upsert = (o >> 2) & 1, .volume = (CandleCsvVolume)((o >> 3) & 3),
                            .dst_gap_shift = (o >> 5) & 1, .max_listed = 3,
                            .not_after = (o >> 6) & 1 ? 1900000000LL : 0};
    CandleSeries s;
    CandleCsvReport rep;
    FarmErr err = {0};
    if (candle_csv_parse("fuzz.csv", (const char *)data + 1, size - 1, &opt, &s, &rep, &err) == 0) {
        for (size_t i = 0; i < s.n; i++) {
            if (candle_check(&s.v[i]) != CANDLE_OK) abort();
            if (i && s.v[i].ts <= s.v[i - 1].ts) abort();
        }
        candle_series_free(&s);
    }
    candle_csv_report_free(&rep);
    return 0;
}
