/* stratfarm-scheduler [--config FILE] [--check-config]
 *                     [--sim-start RFC3339 --sim-speed X [--sim-anchor-ms MS]]
 *
 * Fires the schedules (cron in IANA zones, docs/schedules.md) while it holds
 * the lease; any number of replicas may run, one leads. SIGTERM/SIGINT:
 * release the lease at once (another replica takes over within a tick) and
 * exit 0. The simulated clock is for tests; a production environment
 * (STRATFARM_ENV=production) refuses it. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "registry.h"
#include "sched_loop.h"
#include "status_api.h"
#include "when.h"

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

typedef struct Args {
    const char *config_path, *sim_start;
    double sim_speed;
    long long sim_anchor_ms;
    int check;
} Args;

static int usage(void)
{
    fprintf(stderr, "usage: stratfarm-scheduler [--config FILE] [--check-config]\n"
                    "       [--sim-start 2026-03-07T00:00:00Z --sim-speed 3600 [--sim-anchor-ms MS]]\n");
    return 2;
}

static int parse_args(int argc, char **argv, Args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(argv[i], "--check-config") == 0) a->check = 1;
        else if (strcmp(argv[i], "--config") == 0 && v) a->config_path = argv[++i];
        else if (strcmp(argv[i], "--sim-start") == 0 && v) a->sim_start = argv[++i];
        else if (strcmp(argv[i], "--sim-speed") == 0 && v) {
            a->sim_speed = strtod(argv[++i], &end);
            if (*end || !(a->sim_speed >= 1 && a->sim_speed <= 1e6)) return -1;
        } else if (strcmp(argv[i], "--sim-anchor-ms") == 0 && v) {
            a->sim_anchor_ms = strtoll(argv[++i], &end, 10);
            if (*end || a->sim_anchor_ms <= 0) return -1;
        } else return -1;
    }
    return 0;
}

static int setup_clock(const Args *a, SchedClock *c)
{
    sched_clock_real(c);
    if (!a->sim_start && !a->sim_speed) return 0;
    const char *env = getenv("STRATFARM_ENV");
    if (env && strcmp(env, "production") == 0) {
        fprintf(stderr, "stratfarm-scheduler: a simulated clock is refused in production "
                        "(STRATFARM_ENV=production)\n");
        return -1;
    }
    int64_t start;
    if (!a->sim_start || when_parse(a->sim_start, &start) < 0 || a->sim_speed < 1) {
        fprintf(stderr, "stratfarm-scheduler: --sim-start needs an RFC 3339 time and --sim-speed a "
                        "factor >= 1\n");
        return -1;
    }
    c->simulated = 1;
    c->start_ms = start * 1000;
    c->speed = a->sim_speed;
    c->anchor_ms = a->sim_anchor_ms ? a->sim_anchor_ms : envelope_now_ms();
    return 0;
}

/* Each config schedule's payload for each fan-out cell passes its kind's
 * validate, so a bad payload is refused at start with the schedule's line,
 * not dead-lettered at 17:30. */
static int check_payloads(const Config *cfg)
{
    int bad = 0;
    for (size_t i = 0; i < cfg->n_schedules; i++) {
        const ConfigSchedule *s = &cfg->schedules[i];
        if (s->from_website || !registry_find(cfg, s->kind)) continue;
        size_t ns = s->n_symbols ? s->n_symbols : 1, nt = s->n_timeframes ? s->n_timeframes : 1;
        for (size_t a = 0; a < ns; a++)
            for (size_t b = 0; b < nt; b++) {
                json_t *p = json_loads(s->payload_json ? s->payload_json : "{}", 0, NULL);
                if (p && s->n_symbols) json_object_set_new(p, "symbol", json_string(s->symbols[a]));
                if (p && s->n_timeframes)
                    json_object_set_new(p, "timeframe", json_string(s->timeframes[b]));
                const JobKind *k = NULL;
                void *plan = NULL;
                FarmErr err = {0};
                if (!p || registry_plan(cfg, s->kind, p, &k, &plan, &err)) {
                    fprintf(stderr, "%s:%d: schedules[%s].payload: %s\n",
                            cfg->source ? cfg->source : "(defaults)", s->line, s->name,
                            p ? err.msg : "not JSON");
                    bad++;
                    a = ns;
                    b = nt;
                }
                if (plan && k && k->plan_free) k->plan_free(plan);
                json_decref(p);
            }
    }
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    Args a;
    if (parse_args(argc, argv, &a)) return usage();
    log_set_component("scheduler");
    Config *cfg = NULL;
    FarmErr err = {0};
    if (registry_config_load(a.config_path, &cfg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    SchedLoop l = {.cfg = cfg, .stop = &stopping};
    if (check_payloads(cfg) || setup_clock(&a, &l.clock)) { config_free(cfg); return 1; }
    if (a.check) { printf("config ok\n"); config_free(cfg); return 0; }
    log_set_level(cfg->log.level);
    char host[96] = "";
    gethostname(host, sizeof host);
    snprintf(l.holder, sizeof l.holder, "%s:%d", host, (int)getpid());
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    StatusApi *api = NULL;
    /* Every replica serves status; only the leader fires. */
    if (status_api_start(cfg, &api, &err)) {
        log_error("scheduler: status API: %s", err.msg);
        rc = 1;
    } else if (sched_loop_init(&l, &err)) {
        log_error("scheduler: %s", err.msg);
        rc = 1;
    } else {
        sched_loop_run(&l);
    }
    status_api_stop(api);
    sched_loop_free(&l);
    config_free(cfg);
    return rc;
}
