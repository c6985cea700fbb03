#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* A private sql/ tree, so the runner is tested apart from the real schema. */
static void fixture_sql(void)
{
    mkdir("sql", 0755);
    mkdir("sql/website", 0755);
    mkdir("sql/backtest", 0755);
    mkdir("sql/history", 0755);
    write_file("sql/website/001_users.local.sql", "CREATE TABLE users (id int PRIMARY KEY);\n");
    write_file("sql/website/002_things.sql", "CREATE TABLE things (id int PRIMARY KEY);\n"
                                             "INSERT INTO things VALUES (1);\n");
    write_file("sql/backtest/001_runs.sql", "CREATE TABLE runs (id int);\n");
    write_file("sql/history/001_candles.sql", "CREATE TABLE candles (t int);\n");
    write_file("sql/website/README.md", "not a migration\n");
    setenv("STRATFARM_SQL_DIR", "sql", 1);
}

TEST(migrate_applies_each_file_once_and_is_a_noop_the_second_time)
{
    ThFarm f;
    th_farm_up(&f, 0);
    fixture_sql();
    char *out = NULL;
    int rc = th_run(&out, "%s migrate --local", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "website: applied 001_users.local");
    CHECK_CONTAINS(out, "website: applied 002_things");
    CHECK_CONTAINS(out, "backtest: applied 001_runs");
    CHECK_CONTAINS(out, "history: applied 001_candles");
    free(out);
    rc = th_run(&out, "%s migrate --local", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "website: up to date (2 applied before)");
    CHECK_CONTAINS(out, "backtest: up to date (1 applied before)");
    CHECK(strstr(out, "applied 0") == NULL);
    free(out);
    CHECK_INT(th_sql_int(f.website, "SELECT count(*) FROM things"), 1);
    CHECK_INT(th_sql_int(f.website, "SELECT count(*) FROM schema_migrations"), 2);
}

TEST(migrate_leaves_history_and_local_files_alone_outside_the_local_stack)
{
    ThFarm f;
    th_farm_up(&f, 0);
    fixture_sql();
    unsetenv("STRATFARM_LOCAL_STACK");
    char *out = NULL;
    int rc = th_run(&out, "%s migrate", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK(strstr(out, "history") == NULL);
    CHECK(strstr(out, "001_users") == NULL);
    free(out);
    CHECK_INT(th_sql_int(f.website, "SELECT count(*) FROM pg_tables WHERE tablename = 'users'"), 0);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM pg_tables WHERE tablename = 'candles'"), 0);
    /* Named explicitly, History is migrated. */
    rc = th_run(&out, "%s migrate --database history", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "history: applied 001_candles");
    free(out);
}

TEST(migrate_rolls_back_a_failing_file_and_keeps_the_earlier_ones)
{
    ThFarm f;
    th_farm_up(&f, 0);
    fixture_sql();
    write_file("sql/backtest/002_broken.sql", "CREATE TABLE half (id int);\nSELECT no_such_function();\n");
    char *out = NULL;
    int rc = th_run(&out, "%s migrate --database backtest", th_bin("stratfarm"));
    CHECK(rc != 0);
    CHECK_CONTAINS(out, "002_broken.sql");
    CHECK_CONTAINS(out, "no_such_function");
    free(out);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM pg_tables WHERE tablename = 'half'"), 0);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM pg_tables WHERE tablename = 'runs'"), 1);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM schema_migrations"), 1);
}

TEST(migrate_reports_a_missing_dsn_by_variable_name)
{
    ThFarm f;
    th_farm_up(&f, 0);
    fixture_sql();
    unsetenv("STRATFARM_BACKTEST_DSN");
    char *out = NULL;
    int rc = th_run(&out, "%s migrate --database backtest", th_bin("stratfarm"));
    CHECK(rc != 0);
    CHECK_CONTAINS(out, "STRATFARM_BACKTEST_DSN");
    free(out);
}

TEST(migrate_of_the_real_schema_is_a_noop_the_second_time)
{
    ThFarm f;
    th_farm_up(&f, 1);   /* the first run, through `stratfarm migrate --local` */
    long long before = th_sql_int(f.backtest, "SELECT count(*) FROM schema_migrations");
    CHECK(before >= 1);
    char *out = NULL;
    int rc = th_run(&out, "%s migrate --local", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "website: up to date");
    CHECK_CONTAINS(out, "backtest: up to date");
    CHECK_CONTAINS(out, "history: up to date");
    CHECK(strstr(out, "applied 0") == NULL);
    free(out);
    CHECK_INT(th_sql_int(f.backtest, "SELECT count(*) FROM schema_migrations"), before);
    CHECK_INT(th_sql_int(f.history, "SELECT count(*) FROM pg_tables WHERE tablename = 'candles'"), 1);
    CHECK_INT(th_sql_int(f.website, "SELECT count(*) FROM pg_tables WHERE tablename = 'users'"), 1);
}
