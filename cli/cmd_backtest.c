/* stratfarm backtest FILE.dsl: a strategy file run as the website runs one
 * (architecture.md section 9, "Backtest messages"): the Website strategies
 * and backtests rows first (status pending), then a backtest_request job on
 * the interactive lane, its progress, and the metrics the run wrote, with
 * where its rows are. A worker serving `backtest` does the run. The rows
 * are found again on a second run with the same file and settings, so the
 * run replaces them rather than adding a backtest (make demo is
 * idempotent). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "config.h"
#include "envelope.h"
#include "queue.h"
#include "uuid7.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_CLI_MAX_SYMBOLS 32
#define BT_CLI_MAX_FILE (256 * 1024)

typedef struct BtArgs {
    const char *file, *tf, *from, *to, *user;
    const char *symbols[BT_CLI_MAX_SYMBOLS];
    int n_symbols, close_at_end;
    double capital, commission;
    long wait_max;
} BtArgs;

static int usage(const char *why)
{
    if (why) fprintf(stderr, "stratfarm backtest: %s\n", why);
    fprintf(stderr, "usage: stratfarm backtest FILE.dsl --symbol S [--symbol S]... --from YYYY-MM-DD --to YYYY-MM-DD"
                    " [--timeframe TF] [--capital N] [--commission F] [--close-at-end] [--user NAME]"
                    " [--wait-timeout S]\n");
    return 2;
}

static int number(const char *s, double lo, double hi, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && *out >= lo && *out <= hi ? 0 : -1;
}

/* 0, or 2 after a usage message. */
static int parse_args(int argc, char **argv, BtArgs *a)
{
    if (argc < 2 || argv[1][0] == '-') return usage("no strategy file");
    a->file = argv[1];
    a->tf = "D1";
    a->capital = 100000;
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--close-at-end") == 0) { a->close_at_end = 1; continue; }
        if (!v) return usage("an option needs a value");
        i++;
        if (strcmp(o, "--symbol") == 0) {
            if (a->n_symbols == BT_CLI_MAX_SYMBOLS) return usage("too many --symbol");
            a->symbols[a->n_symbols++] = v;
        } else if (strcmp(o, "--timeframe") == 0) {
            if (!(a->tf = config_timeframe_normalise(v))) return usage("--timeframe must be M1 M5 M15 H1 H4 D1");
        } else if (strcmp(o, "--from") == 0) a->from = v;
        else if (strcmp(o, "--to") == 0) a->to = v;
        else if (strcmp(o, "--user") == 0) a->user = v;
        else if (strcmp(o, "--capital") == 0) {
            if (number(v, 1e-2, 1e15, &a->capital)) return usage("--capital must be a number > 0");
        } else if (strcmp(o, "--commission") == 0) {
            if (number(v, 0, 0.999, &a->commission)) return usage("--commission must be a fraction 0..1");
        } else if (strcmp(o, "--wait-timeout") == 0) {
            if (cli_parse_long(v, 1, 86400 * 30, &a->wait_max)) return usage("--wait-timeout must be 1..2592000 s");
        } else
            return usage("unknown option");
    }
    if (!a->n_symbols || !a->from || !a->to) return usage("--symbol, --from and --to are required");
    return 0;
}

static char *read_text(const char *path, FarmErr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) { err_set(err, SF_EINPUT, "cannot open %s", path); return NULL; }
    char *buf = malloc(BT_CLI_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, BT_CLI_MAX_FILE + 1, f) : 0;
    fclose(f);
    if (!buf || n > BT_CLI_MAX_FILE) {
        free(buf);
        err_set(err, SF_EINPUT, "%s: larger than %d KiB", path, BT_CLI_MAX_FILE / 1024);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* The program's `strategy "name"` line, else the file's base name. */
static void strategy_name(const char *dsl, const char *file, char out[128])
{
    for (const char *l = dsl; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        while (*l == ' ' || *l == '\t') l++;
        if (strncmp(l, "strategy \"", 10) == 0) {
            const char *end = strchr(l + 10, '"');
            if (end && end - (l + 10) < 128 && end > l + 10) { snprintf(out, 128, "%.*s", (int)(end - (l + 10)), l + 10); return; }
        }
    }
    const char *base = strrchr(file, '/');
    snprintf(out, 128, "%s", base ? base + 1 : file);
}

/* One value of a one-row query, into out; 0 with out "" when no row. */
static int query_one(Db *db, const char *sql, int n, const char *const *p, char *out, size_t cap, FarmErr *err)
{
    PGresult *res = NULL;
    if (db_execp(db, sql, n, p, &res, err)) return -1;
    snprintf(out, cap, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    db_result_free(res);
    return 0;
}

/* The website user the rows belong to. On the local stack a missing user
 * is created (the website owns users in production; the farm never makes
 * one there). */
static int website_user(Db *web, const char *name, char id[24], FarmErr *err)
{
    const char *p[2] = {name, NULL};
    if (query_one(web, "SELECT id FROM users WHERE username = $1", 1, p, id, 24, err)) return -1;
    if (id[0]) return 0;
    if (!cli_local_stack()) return err_set(err, SF_EINPUT, "no website user \"%s\" (--user NAME)", name);
    char email[160];
    snprintf(email, sizeof email, "%s@localhost.invalid", name);
    p[1] = email;
    return query_one(web, "INSERT INTO users (username, email, hashed_password) VALUES ($1, $2, '!') "
                          "RETURNING id", 2, p, id, 24, err);
}

/* The strategies row with this text and the pending backtests row for these
 * settings: found again when they exist, created otherwise (as the website
 * creates them before it submits). */
static int website_rows(Db *web, const BtArgs *a, const char *dsl, const char *uid, char sid[24], char bid[24],
                        FarmErr *err)
{
    char name[128], bt_name[200], cap[40];
    strategy_name(dsl, a->file, name);
    snprintf(bt_name, sizeof bt_name, "cli: %s %s%s %s %s..%s", name, a->symbols[0], a->n_symbols > 1 ? "+" : "",
             a->tf, a->from, a->to);
    snprintf(cap, sizeof cap, "%.2f", a->capital);
    const char *ps[3] = {uid, name, dsl};
    if (query_one(web, "SELECT id FROM strategies WHERE owner_id = $1 AND name = $2 AND dsl_code = $3 ORDER BY id "
                       "LIMIT 1", 3, ps, sid, 24, err)) return -1;
    if (!sid[0] && query_one(web, "INSERT INTO strategies (name, dsl_code, owner_id, description) VALUES ($2, $3, $1, "
                                  "'stratfarm backtest FILE.dsl') RETURNING id", 3, ps, sid, 24, err)) return -1;
    const char *pb[6] = {uid, sid, bt_name, a->from, a->to, cap};
    if (query_one(web, "SELECT id FROM backtests WHERE owner_id = $1 AND strategy_id = $2 AND name = $3 AND "
                       "start_date = $4 AND end_date = $5 AND initial_capital = $6 ORDER BY id LIMIT 1",
                  6, pb, bid, 24, err)) return -1;
    if (!bid[0] && query_one(web, "INSERT INTO backtests (owner_id, strategy_id, name, start_date, end_date, "
                                  "initial_capital) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", 6, pb, bid, 24, err))
        return -1;
    const char *pid[1] = {bid};
    return db_execp(web, "UPDATE backtests SET status = 'pending', error_message = NULL, updated_at = now() "
                         "WHERE id = $1", 1, pid, NULL, err);
}

/* The platform's backtest_request message for those rows. */
static json_t *request(const BtArgs *a, const char *dsl, const char *bid, const char *sid)
{
    char rid[UUID7_STRLEN + 1], when[32];
    uuid7_new(rid);
    envelope_iso_ms(envelope_now_ms(), when);
    json_t *syms = json_array();
    for (int i = 0; syms && i < a->n_symbols; i++) json_array_append_new(syms, json_string(a->symbols[i]));
    json_t *par = json_pack("{s:s, s:s, s:f, s:o, s:s, s:I, s:b}", "start_date", a->from, "end_date", a->to,
                            "initial_capital", a->capital, "symbols", syms, "timeframe", a->tf, "strategy_id",
                            (json_int_t)atoll(sid), "close_at_end", a->close_at_end);
    if (par && a->commission > 0) json_object_set_new(par, "commission", json_real(a->commission));
    return json_pack("{s:s, s:s, s:s, s:{s:I, s:s, s:o}}", "message_type", "backtest_request", "request_id", rid,
                     "timestamp", when, "payload", "backtest_id", (json_int_t)atoll(bid), "strategy_dsl", dsl,
                     "parameters", par);
}

/* The metrics row as "name  value" lines, then where the rows are. */
static int print_metrics(Db *web, const char *bid, const char *job_id, FarmErr *err)
{
    const char *p[1] = {bid};
    PGresult *res = NULL;
    if (db_execp(web, "SELECT m.*, (SELECT count(*) FROM backtest_trades t WHERE t.backtest_id = $1) AS trade_rows, "
                      "(SELECT count(*) FROM backtest_positions s WHERE s.backtest_id = $1) AS position_rows "
                      "FROM backtest_performance_metrics m WHERE m.backtest_id = $1", 1, p, &res, err))
        return -1;
    if (PQntuples(res) != 1) {
        db_result_free(res);
        return err_set(err, SF_EIO, "backtest %s: no metrics row", bid);
    }
    printf("backtest %s completed (job %s)\n", bid, job_id);
    int nf = PQnfields(res);
    for (int c = 0; c < nf; c++) {
        const char *f = PQfname(res, c);
        if (!strcmp(f, "id") || !strcmp(f, "backtest_id") || !strcmp(f, "created_at") || !strcmp(f, "trade_rows") ||
            !strcmp(f, "position_rows")) continue;
        printf("  %-24s %s\n", f, PQgetisnull(res, 0, c) ? "NULL" : PQgetvalue(res, 0, c));
    }
    printf("rows: Website backtests id %s (status, results), backtest_trades %s, backtest_positions %s, "
           "backtest_performance_metrics 1 (WHERE backtest_id = %s); Backtest DB backtest_runs and "
           "execution_logs (job_id %s)\n", bid, PQgetvalue(res, 0, PQfnumber(res, "trade_rows")),
           PQgetvalue(res, 0, PQfnumber(res, "position_rows")), bid, job_id);
    db_result_free(res);
    return 0;
}

/* The rows and the job: 0 with env->id set and *bid, or -1 with err. */
static int submit(CliCtx *ctx, const BtArgs *a, Envelope *env, char bid[24], Rds **r, QueueOpts *q, FarmErr *err)
{
    Db *web = NULL;
    char *dsl = read_text(a->file, err);
    char uid[24] = "", sid[24] = "";
    int rc = -1, deduped = 0;
    if (!dsl || cli_db_open(ctx, DB_WEBSITE, &web, err) ||
        website_user(web, a->user ? a->user : ctx->cfg->strategies.owner, uid, err) ||
        website_rows(web, a, dsl, uid, sid, bid, err))
        goto cleanup;
    if (!(env->payload = request(a, dsl, bid, sid))) { err_set(err, SF_EIO, "out of memory"); goto cleanup; }
    rc = cli_submit_job(ctx, env, r, q, &deduped, err);
    if (rc && err->code == SF_EINPUT) {   /* refused before queueing: the row says why, as a run would */
        const char *p[2] = {bid, err->msg};
        FarmErr e2 = {0};
        if (db_execp(web, "UPDATE backtests SET status = 'failed', error_message = $2, updated_at = now() "
                          "WHERE id = $1", 2, p, NULL, &e2))
            fprintf(stderr, "stratfarm backtest: backtests row %s not marked failed: %s\n", bid, e2.msg);
    }
cleanup:
    db_close(web);
    free(dsl);
    return rc;
}

int cmd_backtest(CliCtx *ctx, int argc, char **argv)
{
    BtArgs a = {0};
    if (parse_args(argc, argv, &a)) return 2;
    const ConfigJob *jc = config_job(ctx->cfg, "backtest");
    if (!jc || !config_kind_valid(ctx->cfg, "backtest")) return usage("this build has no backtest kind");
    Envelope env = {.lane = LANE_INTERACTIVE, .max_attempts = jc->max_attempts, .timeout_s = jc->timeout_s};
    snprintf(env.kind, sizeof env.kind, "backtest");
    snprintf(env.source, sizeof env.source, "cli");
    FarmErr err = {0};
    Rds *r = NULL;
    QueueOpts q;
    char bid[24] = "";
    int rc = 1;
    if (submit(ctx, &a, &env, bid, &r, &q, &err)) { cli_fail(&err); goto cleanup; }
    fprintf(stderr, "backtest %s: job %s\n", bid, env.id);
    rc = cli_wait_job(r, &q, env.id, 0, a.wait_max, 0);
    if (rc == 0) {
        Db *web = NULL;
        if (cli_db_open(ctx, DB_WEBSITE, &web, &err) || print_metrics(web, bid, env.id, &err)) rc = cli_fail(&err);
        db_close(web);
    }
cleanup:
    rds_close(r);
    envelope_clear(&env);
    return rc;
}
