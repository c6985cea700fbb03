/* stratfarm fvg stats SYMBOL TIMEFRAME [--from T] [--to T]: the
 * FVGStatistics of seed 000 over the stored detections whose start time is
 * in the range (default: all), stored in fvg_statistics and printed. */
#define _DEFAULT_SOURCE
#include "cli.h"
#include "config.h"
#include "fvg_scan/fvg_scan_store.h"
#include "when.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void print_stats(const char *sym, const char *tf, int64_t from, int64_t to, const FvgStats *st)
{
    printf("{\n  \"symbol\": \"%s\", \"timeframe\": \"%s\", \"range_from\": %lld, \"range_to\": %lld,\n",
           sym, tf, (long long)from, (long long)to);
    printf("  \"total_detected\": %lld, \"bullish_count\": %lld, \"bearish_count\": %lld,\n",
           (long long)st->total_detected, (long long)st->bullish_count, (long long)st->bearish_count);
    printf("  \"valid_count\": %lld, \"cleared_count\": %lld, \"invalid_count\": %lld,\n",
           (long long)st->valid_count, (long long)st->cleared_count, (long long)st->invalid_count);
    printf("  \"average_gap_size\": %.10g, \"largest_gap_size\": %.10g, \"smallest_gap_size\": %.10g,\n",
           st->average_gap_size, st->largest_gap_size, st->smallest_gap_size);
    printf("  \"clearance_rate\": %.4f, \"average_duration_seconds\": %lld, \"fastest_clear_seconds\": %lld,"
           " \"longest_duration_seconds\": %lld, \"median_duration_seconds\": %lld,\n",
           st->clearance_rate, (long long)st->average_duration_seconds, (long long)st->fastest_clear_seconds,
           (long long)st->longest_duration_seconds, (long long)st->median_duration_seconds);
    printf("  \"cleared_by\": {\"gap\": %lld, \"close\": %lld, \"wick\": %lld},\n",
           (long long)st->cleared_by_gap, (long long)st->cleared_by_close, (long long)st->cleared_by_wick);
    printf("  \"gap_size_distribution\": {");
    for (size_t i = 0; i <= st->n_edges; i++) {
        char label[32];
        if (fvg_stats_bucket_label(st, i, label, sizeof label) == 0)
            printf("%s\"%s\": %lld", i ? ", " : "", label, (long long)st->gap_size_distribution[i]);
    }
    printf("},\n  \"hourly_distribution\": {");
    for (int h = 0; h < 24; h++) printf("%s\"%d\": %lld", h ? ", " : "", h, (long long)st->hourly_distribution[h]);
    printf("}\n}\n");
}

int cmd_fvg(CliCtx *ctx, int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "stats") != 0) {
        fprintf(stderr, "usage: stratfarm fvg stats SYMBOL TIMEFRAME [--from T] [--to T]\n");
        return 2;
    }
    const char *sym = argv[2], *tf = config_timeframe_normalise(argv[3]);
    if (!tf) { fprintf(stderr, "stratfarm fvg: unknown timeframe '%s'\n", argv[3]); return 2; }
    int64_t from = INT64_MIN, to = INT64_MIN;
    for (int i = 4; i < argc; i++) {
        int64_t *dst = strcmp(argv[i], "--from") == 0 ? &from : strcmp(argv[i], "--to") == 0 ? &to : NULL;
        if (!dst || i + 1 >= argc || when_parse(argv[i + 1], dst)) {
            fprintf(stderr, "stratfarm fvg: bad option '%s' (--from/--to take epoch seconds or 2023-11-20[T14:30:00Z])\n", argv[i]);
            return 2;
        }
        i++;
    }
    FarmErr err = {0};
    Db *db = NULL;
    if (db_open(cli_dsn(ctx, "backtest"), "backtest", &db, &err)) return cli_fail(&err);
    FvgScanState state;
    FvgStats st;
    int rc = 1;
    if (fvg_store_state_load(db, sym, tf, &state, &err)) { cli_fail(&err); goto cleanup; }
    if (!state.exists) {
        fprintf(stderr, "stratfarm fvg: %s %s has not been scanned (submit an fvg_scan job)\n", sym, tf);
        goto cleanup;
    }
    /* Default range: what the scans have covered. */
    if (from == INT64_MIN) from = state.first_candle_time;
    if (to == INT64_MIN) to = state.last_time;
    FvgStatsOptions so = {ctx->cfg->fvg.size_buckets, ctx->cfg->fvg.n_size_buckets,
                          config_exchange_tz(ctx->cfg, sym)};
    if (db_begin(db, &err) ||
        fvg_store_stats(db, sym, tf, from, to, &so, &state.settings, NULL, &st, &err) ||
        db_commit(db, &err)) {
        db_rollback(db);
        cli_fail(&err);
        goto cleanup;
    }
    print_stats(sym, tf, from, to, &st);
    rc = 0;
cleanup:
    db_close(db);
    return rc;
}
