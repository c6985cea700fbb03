/* stratfarm fvg stats SYMBOL TIMEFRAME [--from T] [--to T]: prints the
 * FVGStatistics row (seed 000) the fvg_scan jobs wrote to fvg_statistics
 * for that range. A read command: it computes and writes nothing, and
 * reaches the kind only through its table (plain SQL here). Without
 * --from / --to it prints the row with the latest range end (the widest of
 * those): what the scans have covered. */
#define _DEFAULT_SOURCE
#include "cli.h"
#include "config.h"
#include "db.h"
#include "when.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns 0..; distributions come back in bucket / hour order as JSON
 * object members. */
static const char STATS_SQL[] =
    "SELECT range_from, range_to, total_detected, bullish_count, bearish_count, valid_count,"
    " cleared_count, invalid_count, average_gap_size, largest_gap_size, smallest_gap_size,"
    " clearance_rate, average_duration_seconds, fastest_clear_seconds, longest_duration_seconds,"
    " coalesce(settings->>'median_duration_seconds', '0'), coalesce(settings->>'cleared_by_gap', '0'),"
    " coalesce(settings->>'cleared_by_close', '0'), coalesce(settings->>'cleared_by_wick', '0'),"
    " coalesce((SELECT string_agg(format('\"%s\": %s', key, value), ', '"
    "   ORDER BY substring(key from '^[0-9.]+(e[+-]?[0-9]+)?')::float8)"
    "   FROM jsonb_each_text(gap_size_distribution)), ''),"
    " coalesce((SELECT string_agg(format('\"%s\": %s', key, value), ', ' ORDER BY key::int)"
    "   FROM jsonb_each_text(hourly_distribution)), '')"
    " FROM fvg_statistics WHERE symbol = $1 AND timeframe = $2::timeframe_enum"
    " AND ($3::bigint IS NULL OR range_from = $3::bigint)"
    " AND ($4::bigint IS NULL OR range_to = $4::bigint)"
    " ORDER BY range_to DESC, range_from ASC LIMIT 1";

static long long col_ll(const PGresult *r, int c) { return strtoll(PQgetvalue(r, 0, c), NULL, 10); }
static double col_d(const PGresult *r, int c) { return strtod(PQgetvalue(r, 0, c), NULL); }

static void print_stats(const char *sym, const char *tf, const PGresult *r)
{
    printf("{\n  \"symbol\": \"%s\", \"timeframe\": \"%s\", \"range_from\": %lld, \"range_to\": %lld,\n",
           sym, tf, col_ll(r, 0), col_ll(r, 1));
    printf("  \"total_detected\": %lld, \"bullish_count\": %lld, \"bearish_count\": %lld,\n",
           col_ll(r, 2), col_ll(r, 3), col_ll(r, 4));
    printf("  \"valid_count\": %lld, \"cleared_count\": %lld, \"invalid_count\": %lld,\n",
           col_ll(r, 5), col_ll(r, 6), col_ll(r, 7));
    printf("  \"average_gap_size\": %.10g, \"largest_gap_size\": %.10g, \"smallest_gap_size\": %.10g,\n",
           col_d(r, 8), col_d(r, 9), col_d(r, 10));
    printf("  \"clearance_rate\": %.4f, \"average_duration_seconds\": %lld, \"fastest_clear_seconds\": %lld,"
           " \"longest_duration_seconds\": %lld, \"median_duration_seconds\": %lld,\n",
           col_d(r, 11), col_ll(r, 12), col_ll(r, 13), col_ll(r, 14), col_ll(r, 15));
    printf("  \"cleared_by\": {\"gap\": %lld, \"close\": %lld, \"wick\": %lld},\n",
           col_ll(r, 16), col_ll(r, 17), col_ll(r, 18));
    printf("  \"gap_size_distribution\": {%s},\n", PQgetvalue(r, 0, 19));
    printf("  \"hourly_distribution\": {%s}\n}\n", PQgetvalue(r, 0, 20));
}

/* Why nothing was printed, naming the pair and the range asked for. */
static void say_none(const char *sym, const char *tf, const char *from, const char *to)
{
    if (!from && !to) {
        fprintf(stderr, "stratfarm fvg: no statistics for %s %s: it has not been scanned"
                " (submit an fvg_scan job)\n", sym, tf);
        return;
    }
    fprintf(stderr, "stratfarm fvg: no statistics for %s %s with range%s%s%s%s: no fvg_scan has"
            " written statistics for that range (submit an fvg_scan job with that \"from\"/\"to\","
            " or omit --from/--to for what the scans covered)\n", sym, tf,
            from ? " from " : "", from ? from : "", to ? " to " : "", to ? to : "");
}

int cmd_fvg(CliCtx *ctx, int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "stats") != 0) {
        fprintf(stderr, "usage: stratfarm fvg stats SYMBOL TIMEFRAME [--from T] [--to T]\n");
        return 2;
    }
    const char *sym = argv[2], *tf = config_timeframe_normalise(argv[3]);
    if (!tf) { fprintf(stderr, "stratfarm fvg: unknown timeframe '%s'\n", argv[3]); return 2; }
    const char *arg_from = NULL, *arg_to = NULL;
    char from[24], to[24];
    for (int i = 4; i < argc; i++) {
        int is_from = strcmp(argv[i], "--from") == 0, is_to = strcmp(argv[i], "--to") == 0;
        int64_t t;
        if ((!is_from && !is_to) || i + 1 >= argc || when_parse(argv[i + 1], &t)) {
            fprintf(stderr, "stratfarm fvg: bad option '%s' (--from/--to take epoch seconds or 2023-11-20[T14:30:00Z])\n", argv[i]);
            return 2;
        }
        snprintf(is_from ? from : to, sizeof from, "%lld", (long long)t);
        if (is_from) arg_from = argv[i + 1];
        else arg_to = argv[i + 1];
        i++;
    }
    FarmErr err = {0};
    Db *db = NULL;
    if (db_open(cli_dsn(ctx, "backtest"), "backtest", &db, &err)) return cli_fail(&err);
    const char *p[4] = {sym, tf, arg_from ? from : NULL, arg_to ? to : NULL};
    PGresult *r = NULL;
    int rc = 1;
    if (db_execp(db, STATS_SQL, 4, p, &r, &err)) {
        cli_fail(&err);
    } else if (PQntuples(r) == 0) {
        say_none(sym, tf, arg_from, arg_to);
    } else {
        print_stats(sym, tf, r);
        rc = 0;
    }
    db_result_free(r);
    db_close(db);
    return rc;
}
