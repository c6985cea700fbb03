/* stratfarm backtest FILE.dsl: the rows the website would create, a job a
 * worker runs, the metrics printed with where the rows are; a second run
 * finds the same rows; a file the DSL refuses is refused before queueing,
 * and its row says why. */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char CONFIG[] = "worker:\n  slots: 1\n  kinds: [backtest]\n  block_ms: 100\n  heartbeat_ms: 200\n";

TEST_T(backtest_cli_runs_a_file_as_the_website_would_and_prints_its_metrics, 240)
{
    ThQueue q;
    thq_setup(&q, CONFIG);
    char *out = NULL;
    REQUIRE(th_run(&out, "%s load-candles %s --symbol ORCL --timeframe D1", th_bin("stratfarm"),
                   th_path("data/orcl-1995-2014.txt")) == 0);
    free(out);
    pid_t w = th_spawn("worker.log", "stratfarm-worker", NULL);
    for (int round = 0; round < 2; round++) {
        int rc = th_run(&out, "%s backtest %s --symbol ORCL --from 1995-01-01 --to 2014-12-31 2>&1",
                        th_bin("stratfarm"), th_path("docs/strategies/sma-cross.dsl"));
        CHECKF(rc == 0, "%s", out);
        CHECK_CONTAINS(out, "backtest 1 completed");
        CHECK_CONTAINS(out, "final_equity             102646.07");   /* backtrader's final value */
        CHECK_CONTAINS(out, "total_trades             97");
        CHECK_CONTAINS(out, "backtest_trades 195");
        free(out);
    }
    const char *web = q.farm.website;
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtests WHERE status = 'completed'"), 1);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM strategies WHERE name = 'sma-cross'"), 1);
    CHECK_INT(th_sql_int(web, "SELECT count(*) FROM backtest_trades"), 195);
    CHECK_INT(th_sql_int(q.farm.backtest, "SELECT count(*) FROM backtest_runs WHERE status = 'completed'"), 2);
    /* a program the DSL refuses: exit 1 with line and column, nothing queued */
    th_write("bad.dsl", "strategy \"bad\"\nenter long when sma(close, 10 > close\n");
    int rc = th_run(&out, "%s backtest bad.dsl --symbol ORCL --from 1995-01-01 --to 1995-12-31 2>&1",
                    th_bin("stratfarm"));
    CHECK_INT(rc, 1);
    CHECK_CONTAINS(out, "INVALID_STRATEGY");
    CHECK_CONTAINS(out, "line 2, column");
    free(out);
    char *msg = th_sql(web, "SELECT status || ': ' || error_message FROM backtests WHERE name LIKE 'cli: bad %'");
    CHECK_CONTAINS(msg, "failed: ");
    free(msg);
    CHECK_INT(th_run(&out, "%s backtest bad.dsl --from 1995-01-01 2>&1", th_bin("stratfarm")), 2);   /* usage */
    free(out);
    th_stop(w, SIGTERM, 10000);
}
