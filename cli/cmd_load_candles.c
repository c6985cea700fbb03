/* stratfarm load-candles FILE --symbol S --timeframe TF [--tz ZONE]
 *   [--upsert] [--volume auto|volume|tickvol|none] [--columns ROLES]
 *   [--dst-gap-shift] [--allow-future]
 * Reads and validates the whole file first (lib/candle_csv), then stores it
 * in one transaction: a rejected row means nothing is written. A candle
 * later than now + one bar is rejected unless --allow-future (test data). */
#define _POSIX_C_SOURCE 200809L
#include "candle_csv.h"
#include "cli.h"
#include "config.h"
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(void)
{
    fprintf(stderr, "usage: stratfarm load-candles FILE --symbol S --timeframe TF [--tz ZONE] [--upsert]\n"
                    "       [--volume auto|volume|tickvol|none] [--columns ROLES] [--dst-gap-shift]\n"
                    "       [--allow-future]\n");
    return 2;
}

static int parse_volume(const char *s, CandleCsvVolume *v)
{
    static const char *names[] = {"auto", "volume", "tickvol", "none"};
    for (int i = 0; i < 4; i++) if (strcmp(s, names[i]) == 0) { *v = (CandleCsvVolume)i; return 0; }
    return -1;
}

/* Seconds of one bar of a canonical timeframe. */
static long long bar_seconds(const char *canon)
{
    static const struct { const char *tf; long long s; } bars[] = {
        {"M1", 60}, {"M5", 300}, {"M15", 900}, {"H1", 3600}, {"H4", 14400}, {"D1", 86400}};
    for (size_t i = 0; i < sizeof bars / sizeof bars[0]; i++)
        if (strcmp(bars[i].tf, canon) == 0) return bars[i].s;
    return 86400;
}

/* The summary's notes on stderr: columns the header has that were not
 * used, and a volume of 0 that comes from there being no volume column. */
static void print_notes(const CandleCsvReport *rep, const CandleCsvOptions *opt)
{
    if (strcmp(rep->volume_source, "none") == 0 && opt->volume != CANDLE_CSV_VOL_NONE)
        fprintf(stderr, "volume: none (columns ignored: %s)\n", rep->ignored[0] ? rep->ignored : "none");
    else if (rep->ignored[0])
        fprintf(stderr, "columns ignored: %s\n", rep->ignored);
}

int cmd_load_candles(CliCtx *ctx, int argc, char **argv)
{
    const char *file = NULL, *symbol = NULL, *tf = NULL;
    CandleCsvOptions opt = {0};
    int allow_future = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--upsert") == 0) opt.upsert = 1;
        else if (strcmp(a, "--allow-future") == 0) allow_future = 1;
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
    if (!allow_future) opt.not_after = (long long)time(NULL) + bar_seconds(canon);
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
    print_notes(&rep, &opt);
    if (series.n == 0) {   /* a header only: an empty export, nothing to store */
        printf("%s %s: 0 rows read (%s, header only), nothing loaded\n", symbol, canon, file);
        rc = 0;
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
