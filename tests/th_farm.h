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


#include <sys/types.h>

/* Writes text to path (test cwd relative); fails the test on error. */
void th_write(const char *path, const char *text);

/* Starts a program of the build (th_bin(name)) with arguments (NULL-ended),
 * stdout+stderr appended to log_path. Returns its pid. */
pid_t th_spawn(const char *log_path, const char *name, ...);
/* Waits up to timeout_ms for pid to exit; returns its exit status (0-255,
 * 128+signal), or -1 on timeout. */
int th_wait_pid(pid_t pid, int timeout_ms);
/* Sends sig and waits up to timeout_ms. */
int th_stop(pid_t pid, int sig, int timeout_ms);
void th_sleep_ms(int ms);
long long th_now_ms(void);

#endif
