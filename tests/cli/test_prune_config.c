#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include <stdlib.h>
#include <string.h>

TEST(prune_deletes_only_rows_past_retention_on_plain_postgres)
{
    ThFarm f;
    th_farm_up(&f, 1);
    free(th_sql(f.backtest,
                "INSERT INTO execution_logs (\"timestamp\", job_id, kind, message) VALUES"
                " (now() - interval '3 years', gen_random_uuid(), 'noop', 'old'),"
                " (now() - interval '25 months', gen_random_uuid(), 'noop', 'old'),"
                " (now() - interval '23 months', gen_random_uuid(), 'noop', 'kept'),"
                " (now(), gen_random_uuid(), 'noop', 'kept')"));
    char *out = NULL;
    CHECK_INT(th_run(&out, "%s prune --dry-run", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "backtest.execution_logs: would delete 2 row(s) older than 2 years");
    free(out);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM execution_logs"), 4);
    CHECK_INT(th_run(&out, "%s prune", th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "backtest.execution_logs: deleted 2 row(s)");
    CHECK_CONTAINS(out, "website.strategy_executions: deleted 0 row(s)");
    free(out);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM execution_logs WHERE message = 'kept'"), 2);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM execution_logs"), 2);
}

TEST(check_config_names_file_line_and_key_and_exits_nonzero)
{
    th_write("bad.yaml", "worker:\n  slots: 4\n  slotz: 2\nredis:\n  url: redis://127.0.0.1:6379/0\n");
    char *out = NULL;
    CHECK_INT(th_run(&out, "%s --check-config --config bad.yaml", th_bin("stratfarm")), 1);
    CHECK_CONTAINS(out, "bad.yaml:3: worker.slotz");
    free(out);
    th_write("good.yaml", "worker:\n  slots: 3\n");
    CHECK_INT(th_run(&out, "STRATFARM_WEBSITE_DSN='host=x password=hunter2' %s --check-config --config good.yaml",
                     th_bin("stratfarm")), 0);
    CHECK_CONTAINS(out, "configuration ok (good.yaml)");
    CHECK_CONTAINS(out, "slots: 3");
    CHECK(strstr(out, "hunter2") == NULL);
    free(out);
    /* The worker refuses a bad file too, before touching anything. */
    CHECK_INT(th_run(&out, "%s --config bad.yaml", th_bin("stratfarm-worker")), 1);
    CHECK_CONTAINS(out, "bad.yaml:3: worker.slotz");
    free(out);
}
