#define _GNU_SOURCE
#include "th_farm.h"
#include "th.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void th_farm_up(ThFarm *f, int migrate)
{
    memset(f, 0, sizeof *f);
    th_pg_create_db("web", f->website, sizeof f->website);
    th_pg_create_db("bt", f->backtest, sizeof f->backtest);
    th_pg_create_db("hist", f->history, sizeof f->history);
    snprintf(f->redis, sizeof f->redis, "%s", th_redis_url());
    th_redis_flush();
    setenv("STRATFARM_WEBSITE_DSN", f->website, 1);
    setenv("STRATFARM_BACKTEST_DSN", f->backtest, 1);
    setenv("STRATFARM_HISTORY_DSN", f->history, 1);
    setenv("STRATFARM_REDIS_URL", f->redis, 1);
    setenv("STRATFARM_LOCAL_STACK", "1", 1);
    setenv("STRATFARM_SQL_DIR", th_path("sql"), 1);
    if (!migrate) return;
    char *out = NULL;
    int rc = th_run(&out, "%s migrate --local", th_bin("stratfarm"));
    REQUIREF(rc == 0, "stratfarm migrate failed (%d): %s", rc, out ? out : "");
    free(out);
}

char *th_sql(const char *dsn, const char *sql)
{
    PGconn *c = PQconnectdb(dsn);
    REQUIREF(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        th_check_failed(__FILE__, __LINE__, sql, "%s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        th_abort_test();
    }
    char *v = strdup(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return v;
}

long long th_sql_int(const char *dsn, const char *sql)
{
    char *v = th_sql(dsn, sql);
    long long n = atoll(v);
    free(v);
    return n;
}

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void th_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIREF(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

pid_t th_spawn(const char *log_path, const char *name, ...)
{
    const char *argv[32];
    int argc = 0;
    argv[argc++] = th_bin(name);
    va_list ap;
    va_start(ap, name);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 31) argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); close(fd); }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int th_wait_pid(pid_t pid, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (r < 0 && errno != EINTR) return -1;
        th_sleep_ms(10);
    }
    return -1;
}

int th_stop(pid_t pid, int sig, int timeout_ms)
{
    kill(pid, sig);
    return th_wait_pid(pid, timeout_ms);
}

void th_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

long long th_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
