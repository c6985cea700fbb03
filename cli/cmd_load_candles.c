/* stratfarm load-candles FILE --symbol S --timeframe TF [--tz ZONE]
 *   [--upsert] [--volume auto|volume|tickvol|none] [--columns ROLES]
 *   [--dst-gap-shift]
 * Reads and validates the whole file first (lib/candle_csv), then stores it
 * in one transaction: a rejected row means nothing is written. */
#define _POSIX_C_SOURCE 200809L
#include "candle_csv.h"
#include "cli.h"
#include "config.h"
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: stratfarm load-candles FILE --symbol S --timeframe TF [--tz ZONE] [--upsert]\n"
                    "       [--volume auto|volume|tickvol|none] [--columns ROLES] [--dst-gap-shift]\n");
    return 2;
}

static int parse_volume(const char *s, CandleCsvVolume *v)
{
    static const char *names[] = {"auto", "volume", "tickvol", "none"};
    for (int i = 0; i < 4; i++) if (strcmp(s, names[i]) == 0) { *v = (CandleCsvVolume)i; return 0; }
    return -1;
}

int cmd_load_candles(CliCtx *ctx, int argc, char **argv)
{
    const char *file = NULL, *symbol = NULL, *tf = NULL;
    CandleCsvOptions opt = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--upsert") == 0) opt.upsert = 1;
        else if (strcmp(a, "--dst-gap-shift") == 0) opt.dst_gap_shift = 1;
        else if (a[0] == '-' && a[1] == '-' && !v) return usage();
        else if (strcmp(a, "--symbol") == 0) symbol = argv[++i];
        else if (strcmp(a, "--timeframe") == 0) tf = argv[++i];
        else if (strcmp(a, "--tz") == 0) opt.tz = argv[++i];
        else if (strcmp(a, "--columns") == 0) opt.columns = argv[++i];
        else if (strcmp(a, "--volume") == 0) {
            if (parse_volume(argv[++i], &opt.volume)) {
                fprintf(stderr, "stratfarm load-candles: --volume must be auto, volume, tickvol or none\n");
                return 2;
            }
        } else if (a[0] == '-') return usage();
        else if (!file) file = a;
        else return usage();
    }
    if (!file || !symbol || !tf) return usage();
    const char *canon = config_timeframe_normalise(tf);
    if (!canon) {
        fprintf(stderr, "stratfarm load-candles: unknown timeframe '%s' (M1 M5 M15 H1 H4 D1, or 1m 5m 15m 1h 4h 1d)\n", tf);
        return 2;
    }
    if (!candle_symbol_valid(symbol)) {
        fprintf(stderr, "stratfarm load-candles: bad symbol '%s' (1-20 of A-Z a-z 0-9 . - _ / =)\n", symbol);
        return 2;
    }
    CandleSeries series = {0};
    CandleCsvReport rep = {0};
    FarmErr err = {0};
    Db *db = NULL;
    int rc = 1;
    if (candle_csv_read(file, &opt, &series, &rep, &err)) {
        fprintf(stderr, "stratfarm load-candles: %s\n", err.msg);
        candle_csv_report_print(&rep, stderr);
        if (rep.rejected) fprintf(stderr, "nothing loaded: %zu of %zu rows rejected\n", rep.rejected, rep.rows);
        goto cleanup;
    }
    if (cli_db_open(ctx, DB_HISTORY, &db, &err)) { cli_fail(&err); goto cleanup; }
    HistoryStoreReport st;
    if (history_store(db, symbol, canon, series.v, series.n, opt.upsert, &st, &err)) {
        cli_fail(&err);
        goto cleanup;
    }
    char first[20] = "", last[20] = "";
    if (series.n) {
        history_format_ts(series.v[0].ts, first);
        history_format_ts(series.v[series.n - 1].ts, last);
    }
    printf("%s %s: %zu rows read (%s, volume from %s), %zu inserted, %zu updated, %zu unchanged; %s .. %s UTC\n",
           symbol, canon, rep.rows, file, rep.volume_source, st.inserted, st.updated, st.unchanged, first, last);
    rc = 0;
cleanup:
    db_close(db);
    candle_series_free(&series);
    candle_csv_report_free(&rep);
    return rc;
}
