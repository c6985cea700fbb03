/* th_farm.h - a whole farm environment for integration tests: three fresh
 * databases on the test PostgreSQL (migrated through `stratfarm migrate`,
 * as an operator would), the test Redis (flushed), and the STRATFARM_*
 * variables set in this test's process so that child programs inherit them. */
#ifndef SF_TH_FARM_H
#define SF_TH_FARM_H

typedef struct ThFarm {
    char website[256], backtest[256], history[256];   /* DSNs */
    char redis[128];                                  /* URL */
} ThFarm;

/* Creates the databases, sets the environment; with migrate != 0 runs
 * `stratfarm migrate --local` and fails the test if it does not succeed. */
void th_farm_up(ThFarm *f, int migrate);

/* Runs SQL on a DSN and returns the first column of the first row as a
 * malloc'd string ("" when no row); the test fails on a SQL error. */
char *th_sql(const char *dsn, const char *sql);
long long th_sql_int(const char *dsn, const char *sql);

#endif
