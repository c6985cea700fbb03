/* agent_analysis figures: the local ta agent alone (executions per second
 * per core, target >= 1,000), and 100 executions of 3 agents (ta + two LLM
 * agents against the loopback fake endpoint answering in 200 ms) through
 * one real worker of 4 slots, against the ideal 100 x 0.2 s / 4 = 5 s
 * (target <= 1.3x). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobs/agent_analysis/fake_llm.h"
#include "agents/ta_agent.h"
#include "bench.h"
#include "bench_farm.h"
#include "queue.h"
#include "queue_admin.h"

static void bench_ta(void)
{
    enum { N = 300, RUNS = 20000 };
    static double close[N], work[4 * N];
    for (int i = 0; i < N; i++) close[i] = 100 + i * 0.1 + (i % 7) * 0.3;
    TaAgentResult r;
    double sink = 0, t0 = bench_now();
    for (int k = 0; k < RUNS; k++) {
        close[N - 1] = 130 + (k % 10) * 0.01;
        if (ta_agent_score(close, N, work, &r) == 0) sink += r.score;
    }
    double t = bench_now() - t0;
    bench_report("ta agent, 300 bars (target >= 1000/s)", RUNS / t, "executions/s");
    if (sink == 12345) printf(" ");
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0) printf("  failed (%d): %s\n", rc, cmd);
    return rc;
}

static int prepare(const char *port, char *web, char *hist, size_t cap, FakeLlm *llm, const char *dir)
{
    char admin[128], sqlw[1024], sqlh[1024], cmd[2048];
    snprintf(admin, sizeof admin, "host=127.0.0.1 port=%s user=postgres dbname=postgres", port);
    snprintf(sqlw, sizeof sqlw, "%s/sql/website", bench_root());
    snprintf(sqlh, sizeof sqlh, "%s/sql/history", bench_root());
    Db *w = NULL, *h = NULL;
    FarmErr err = {0};
    if (bench_fresh_db(admin, "bench_aa_website", sqlw, web, cap, &w) ||
        bench_fresh_db(admin, "bench_aa_history", sqlh, hist, cap, &h))
        return -1;
    db_close(h);
    setenv("STRATFARM_WEBSITE_DSN", web, 1);
    setenv("STRATFARM_HISTORY_DSN", hist, 1);
    setenv("STRATFARM_BACKTEST_DSN", web, 1);
    setenv("STRATFARM_LOCAL_STACK", "1", 1);
    snprintf(cmd, sizeof cmd, "%s/build/bench/bin/stratfarm load-candles %s/data/orcl-1995-2014.txt "
             "--symbol ORCL --timeframe D1 >/dev/null 2>&1", bench_root(), bench_root());
    if (sh(cmd)) return -1;
    if (db_exec(w, "INSERT INTO users (email, username, hashed_password) VALUES ('b@x', 'b', 'x');"
                   "INSERT INTO strategies (name, dsl_code, owner_id, agent_weights, execution_config)"
                   " VALUES ('s', '', 1, '{\"ta\": 0.2, \"macro\": 0.4, \"onchain\": 0.4}',"
                   " '{\"symbol\": \"ORCL\"}');"
                   "INSERT INTO strategy_subscriptions (user_id, strategy_id, allocated_capital)"
                   " VALUES (1, 1, 5000)", &err)) {
        printf("  skipped: %s\n", err.msg);
        db_close(w);
        return -1;
    }
    db_close(w);
    char path[512];
    snprintf(path, sizeof path, "%s/macro.txt", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "agent={{agent}} {{snapshot}}\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/onchain.txt", dir);
    f = fopen(path, "w");
    fprintf(f, "agent={{agent}} {{snapshot}}\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/farm.yaml", dir);
    f = fopen(path, "w");
    fprintf(f, "worker: {slots: 4, kinds: [agent_analysis], block_ms: 100}\n"
               "agents:\n  llm: {base_url: \"http://127.0.0.1:%d/v1\", timeout_s: 5}\n"
               "  llm_agents: {macro: macro.txt, onchain: onchain.txt}\n", fake_llm_port(llm));
    fclose(f);
    return 0;
}

static void bench_executions(void)
{
    const char *port = getenv("SF_TEST_PG_PORT"), *rport = getenv("SF_TEST_REDIS_PORT");
    if (!port || !rport) { printf("  skipped: run through make bench\n"); return; }
    char dir[] = "/tmp/sfaabench.XXXXXX", web[160], hist[160], url[64], cfg[600];
    if (!mkdtemp(dir)) return;
    FakeLlm *llm = fake_llm_start();
    if (!llm) { printf("  skipped: fake endpoint\n"); return; }
    fake_llm_delay_ms(llm, getenv("SF_AA_DELAY") ? atoi(getenv("SF_AA_DELAY")) : 200);
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", rport);
    setenv("STRATFARM_REDIS_URL", url, 1);
    if (prepare(port, web, hist, sizeof web, llm, dir)) { fake_llm_stop(llm); return; }
    Rds *r = NULL;
    FarmErr err = {0};
    QueueOpts q;
    queue_opts_default(&q);
    if (rds_open(url, 10000, &r, &err)) { printf("  skipped: %s\n", err.msg); return; }
    rds_free(rds_cmd(r, &err, "FLUSHALL"));
    snprintf(cfg, sizeof cfg, "%s/farm.yaml", dir);
    enum { JOBS = 100 };
    static char ids[JOBS][40];
    pid_t w = bench_spawn("stratfarm-worker", cfg, getenv("SF_AA_LOG"));
    usleep(800 * 1000);
    double t0 = bench_now();
    for (int i = 0; i < JOBS; i++) {
        Envelope e;
        memset(&e, 0, sizeof e);
        snprintf(e.kind, sizeof e.kind, "agent_analysis");
        e.lane = LANE_BATCH;
        snprintf(e.source, sizeof e.source, "bench");
        e.timeout_s = 300;
        e.payload = json_pack("{s:i}", "strategy_id", 1);
        if (queue_enqueue(r, &q, &e, NULL, &err)) printf("  enqueue: %s\n", err.msg);
        snprintf(ids[i], sizeof ids[i], "%s", e.id);
        envelope_clear(&e);
    }
    /* Poll lightly (the bench shares the machine with the worker): each
     * round checks only from the first job not known finished. */
    int done = 0;
    while (done < JOBS && bench_now() - t0 < 120) {
        if (bench_job_finished(r, &q, ids[done])) { done++; continue; }
        usleep(10 * 1000);
    }
    double t = bench_now() - t0;
    kill(w, SIGTERM);
    waitpid(w, NULL, 0);
    bench_report("100 executions x 3 agents, 1 worker x 4 slots, 200 ms LLM", t, "s");
    bench_report("  ideal (100 x 0.2 s / 4 slots)", 5.0, "s");
    bench_report("  ratio (target <= 1.3)", t / 5.0, "x");
    if (done < JOBS) printf("  only %d of %d finished\n", done, JOBS);
    rds_close(r);
    fake_llm_stop(llm);
}

BENCH(agents)
{
    bench_ta();
    bench_executions();
}
