/* tests/sql/test_schema.c - the migrations of the three databases against
 * the schema lists kept beside them (sql/<db>/schema.expected), on a real
 * PostgreSQL server.
 *
 * Each test makes fresh databases, applies sql/<db>/NNN_name.sql in NNN
 * order the way the runner does (one PQexec per file, each file in its own
 * transaction), then runs sql/schema-query.sql and compares its lines with
 * the expected list, printing the lines that differ. The runner itself
 * (`stratfarm migrate`, schema_migrations) is tested elsewhere.
 *
 * After an intended schema change, regenerate the lists with
 *   SF_SCHEMA_WRITE=1 make test T=schema_matches
 * (the tests then write sql/<db>/schema.expected instead of comparing), and
 * read the diff: it is the change to the data model. */
#define _POSIX_C_SOURCE 200809L
#include "th.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables of the Website DB that belong to the website alone: the farm
 * creates them only in the local stack (.local.sql files; architecture.md 9). */
static const char *const website_local_only[] = {
    "users", "user_sessions", "roles", "permissions", "role_permissions",
    "user_roles", "api_keys", "audit_logs", "strategy_versions", "user_favorites",
    NULL,
};

/* ---- small helpers ------------------------------------------------------ */

/* Whole file as a NUL-terminated malloc'd string (caller frees), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_db(const char *dsn)
{
    PGconn *c = PQconnectdb(dsn);
    REQUIREF(PQstatus(c) == CONNECTION_OK, "connect %s: %s", dsn, PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet_notices, NULL);
    return c;
}

/* Runs sql; 0 when it succeeded, else prints the error and returns -1. */
static int exec_ok(PGconn *c, const char *what, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) fprintf(stdout, "    %s: %s", what, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

/* Runs sql expecting an error whose SQLSTATE is state. */
static int exec_fails_with(PGconn *c, const char *state, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    const char *got = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    int ok = PQresultStatus(r) == PGRES_FATAL_ERROR && got && strcmp(got, state) == 0;
    if (!ok)
        fprintf(stdout, "    expected SQLSTATE %s from: %s\n    got %s %s", state, sql,
                got ? got : "(none)", PQerrorMessage(c));
    PQclear(r);
    return ok;
}

/* First column of the first row as a long, or -1. */
static long query_long(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    else
        fprintf(stdout, "    %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return v;
}

typedef struct {
    char **v;   /* owned strings */
    int n, cap;
} StrList;

static void sl_push(StrList *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        char **nv = realloc(l->v, (size_t)l->cap * sizeof *nv);
        REQUIRE(nv != NULL);
        l->v = nv;
    }
    l->v[l->n] = strdup(s);
    REQUIRE(l->v[l->n] != NULL);
    l->n++;
}

static void sl_free(StrList *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Migration files of sql/<db>, sorted by name (NNN first). local: include
 * NNN_name.local.sql files. Names are "sql/<db>/<file>". */
static StrList migrations(const char *db, int local)
{
    StrList l = {0};
    char rel[256];
    snprintf(rel, sizeof rel, "sql/%s", db);
    DIR *d = opendir(th_path(rel));
    REQUIREF(d != NULL, "cannot open %s", th_path(rel));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (len < 9 || n[0] < '0' || n[0] > '9' || n[1] < '0' || n[1] > '9' ||
            n[2] < '0' || n[2] > '9' || n[3] != '_' || strcmp(n + len - 4, ".sql") != 0)
            continue;
        int is_local = len > 10 && strcmp(n + len - 10, ".local.sql") == 0;
        if (is_local && !local) continue;
        char path[512];
        snprintf(path, sizeof path, "sql/%s/%s", db, n);
        sl_push(&l, path);
    }
    closedir(d);
    if (l.n) qsort(l.v, (size_t)l.n, sizeof *l.v, cmp_str);
    return l;
}

/* Applies one migration file as the runner does: one PQexec of the whole
 * file. wrap: inside an explicit BEGIN ... COMMIT, checking that the file
 * leaves the transaction open (it neither commits nor rolls back itself). */
static int apply_file(PGconn *c, const char *rel, int wrap)
{
    char *sql = slurp(th_path(rel));
    REQUIREF(sql != NULL, "cannot read %s", rel);
    int rc = 0;
    if (wrap && exec_ok(c, "BEGIN", "BEGIN") != 0) rc = -1;
    if (rc == 0 && exec_ok(c, rel, sql) != 0) rc = -1;
    if (rc == 0 && wrap) {
        CHECKF(PQtransactionStatus(c) == PQTRANS_INTRANS,
               "%s ended the surrounding transaction itself", rel);
        if (exec_ok(c, "COMMIT", "COMMIT") != 0) rc = -1;
    }
    if (rc != 0 && wrap) PQclear(PQexec(c, "ROLLBACK"));
    free(sql);
    return rc;
}

static void apply_all(PGconn *c, const char *db, int local)
{
    StrList files = migrations(db, local);
    REQUIREF(files.n > 0, "no migrations in sql/%s", db);
    for (int i = 0; i < files.n; i++)
        REQUIREF(apply_file(c, files.v[i], 0) == 0, "applying %s", files.v[i]);
    sl_free(&files);
}

/* The schema as sorted lines (sql/schema-query.sql). */
static StrList schema_lines(PGconn *c)
{
    char *q = slurp(th_path("sql/schema-query.sql"));
    REQUIRE(q != NULL);
    PGresult *r = PQexec(c, q);
    free(q);
    REQUIREF(PQresultStatus(r) == PGRES_TUPLES_OK, "schema query: %s", PQerrorMessage(c));
    StrList l = {0};
    for (int i = 0; i < PQntuples(r); i++) sl_push(&l, PQgetvalue(r, i, 0));
    PQclear(r);
    return l;
}

static StrList expected_lines(const char *db)
{
    char rel[256];
    snprintf(rel, sizeof rel, "sql/%s/schema.expected", db);
    char *text = slurp(th_path(rel));
    REQUIREF(text != NULL, "cannot read %s", rel);
    StrList l = {0};
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        sl_push(&l, line);
    free(text);
    return l;
}

/* Compares two sorted lists; prints up to 12 lines missing from actual ("-")
 * or not expected ("+"). Returns the number of differing lines. */
static int diff_lines(const StrList *expected, const StrList *actual, const char *what)
{
    int i = 0, j = 0, diffs = 0, shown = 0;
    while (i < expected->n || j < actual->n) {
        int c = i >= expected->n ? 1 : j >= actual->n ? -1 : strcmp(expected->v[i], actual->v[j]);
        if (c == 0) { i++; j++; continue; }
        if (diffs == 0) fprintf(stdout, "    %s differs (- expected only, + actual only):\n", what);
        if (shown++ < 12)
            fprintf(stdout, "      %c %s\n", c < 0 ? '-' : '+', c < 0 ? expected->v[i] : actual->v[j]);
        if (c < 0) i++; else j++;
        diffs++;
    }
    if (shown > 12) fprintf(stdout, "      ... %d differing lines in all\n", diffs);
    return diffs;
}

static int write_lines(const char *db, const StrList *l)
{
    char rel[256];
    snprintf(rel, sizeof rel, "sql/%s/schema.expected", db);
    FILE *f = fopen(th_path(rel), "w");
    if (!f) return -1;
    for (int i = 0; i < l->n; i++) fprintf(f, "%s\n", l->v[i]);
    return fclose(f);
}

/* Fresh database, every migration of db (with the .local.sql ones when
 * local), schema compared with sql/<db>/schema.expected. */
static void check_db_matches_expected(const char *db, int local)
{
    char dsn[512];
    th_pg_create_db(db, dsn, sizeof dsn);
    PGconn *c = connect_db(dsn);
    apply_all(c, db, local);
    StrList actual = schema_lines(c);
    const char *w = getenv("SF_SCHEMA_WRITE");
    if (w && strcmp(w, "1") == 0) {
        CHECKF(write_lines(db, &actual) == 0, "writing sql/%s/schema.expected", db);
        fprintf(stdout, "    wrote sql/%s/schema.expected (%d lines)\n", db, actual.n);
    } else {
        StrList expected = expected_lines(db);
        char what[128];
        snprintf(what, sizeof what, "schema of %s against sql/%s/schema.expected", db, db);
        CHECK_INT(diff_lines(&expected, &actual, what), 0);
        sl_free(&expected);
    }
    sl_free(&actual);
    PQfinish(c);
}

/* ---- the schema lists ----------------------------------------------------- */

TEST(schema_matches_expected_history)
{
    check_db_matches_expected("history", 0);
}

TEST(schema_matches_expected_backtest)
{
    check_db_matches_expected("backtest", 0);
}

/* The local stack: the website's own tables (.local.sql) and the farm's. */
TEST(schema_matches_expected_website_local_stack)
{
    check_db_matches_expected("website", 1);
}

static int is_local_only_line(const char *line)
{
    for (int k = 0; website_local_only[k]; k++) {
        const char *t = website_local_only[k];
        size_t n = strlen(t);
        if (strncmp(line, t, n) == 0 && strncmp(line + n, ": ", 2) == 0) return 1;
        /* sequences owned by such a table (audit_logs' BIGSERIAL) */
        const char *own = strstr(line, " owned by ");
        if (strncmp(line, "sequence: ", 10) == 0 && own &&
            strncmp(own + 10, t, n) == 0 && own[10 + n] == '.')
            return 1;
    }
    return 0;
}

/* Production: the website made its tables (here users, as a stand-in with
 * what the farm uses, and 001's strategies); the farm applies its files
 * without .local.sql. Every farm table, and strategies extended with 003's
 * columns, is exactly as in the list, and none of the website's own tables
 * is created. */
TEST(schema_website_production_creates_only_the_farm_tables)
{
    char dsn[512];
    th_pg_create_db("website_prod", dsn, sizeof dsn);
    PGconn *c = connect_db(dsn);
    /* The website's users (only what the farm uses) and its 001 strategies
     * table with a row, as the website made them before the farm came. */
    REQUIRE(exec_ok(c, "website tables",
        "CREATE TABLE users (id INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,"
        " initial_capital NUMERIC(20,2) DEFAULT 10000.00);"
        "INSERT INTO users DEFAULT VALUES;"
        "CREATE TABLE strategies ("
        " id INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY, name VARCHAR(200) NOT NULL,"
        " description TEXT, dsl_code TEXT NOT NULL, visual_config TEXT,"
        " owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        " is_public BOOLEAN DEFAULT FALSE, tags TEXT[], version INTEGER DEFAULT 1,"
        " created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,"
        " updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP);"
        "CREATE INDEX idx_strategies_owner_id ON strategies(owner_id);"
        "CREATE INDEX idx_strategies_is_public ON strategies(is_public);"
        "CREATE INDEX idx_strategies_created_at ON strategies(created_at);"
        "CREATE INDEX idx_strategies_tags ON strategies USING GIN(tags);"
        "INSERT INTO strategies (name, dsl_code, owner_id) VALUES ('mine', 'buy when true', 1)") == 0);
    apply_all(c, "website", 0);
    /* 003's columns were added to the existing table and its row. */
    CHECK_INT(query_long(c, "SELECT count(*) FROM strategies WHERE agent_weights = '{}'"
                            " AND is_active AND risk_level = 'medium' AND slug IS NULL"), 1);
    StrList actual = schema_lines(c), expected = expected_lines("website");
    StrList a = {0}, e = {0};
    for (int i = 0; i < actual.n; i++)
        if (strncmp(actual.v[i], "users: ", 7) != 0) sl_push(&a, actual.v[i]);
    for (int i = 0; i < expected.n; i++)
        if (!is_local_only_line(expected.v[i])) sl_push(&e, expected.v[i]);
    CHECK(e.n > 100);
    CHECK_INT(diff_lines(&e, &a, "production-shape website schema"), 0);
    /* The local-only tables are absent (users is the stand-in). */
    for (int k = 1; website_local_only[k]; k++) {
        char q[256];
        snprintf(q, sizeof q, "SELECT count(*) FROM pg_class WHERE relname = '%s' AND relkind = 'r'",
                 website_local_only[k]);
        CHECKF(query_long(c, q) == 0, "production migrations created %s", website_local_only[k]);
    }
    CHECK_INT(query_long(c, "SELECT count(*) FROM subscription_plans"), 0);
    sl_free(&a);
    sl_free(&e);
    sl_free(&actual);
    sl_free(&expected);
    PQfinish(c);
}

/* The runner applies each file once, but every file is also safe to apply
 * again: the schema stays the same and rows are not duplicated. */
TEST(schema_migrations_applied_twice_change_nothing)
{
    static const char *const dbs[] = {"history", "backtest", "website"};
    for (int k = 0; k < 3; k++) {
        char dsn[512];
        th_pg_create_db(dbs[k], dsn, sizeof dsn);
        PGconn *c = connect_db(dsn);
        apply_all(c, dbs[k], 1);
        StrList once = schema_lines(c);
        apply_all(c, dbs[k], 1);
        StrList twice = schema_lines(c), expected = expected_lines(dbs[k]);
        char what[128];
        snprintf(what, sizeof what, "%s after a second application", dbs[k]);
        CHECK_INT(diff_lines(&once, &twice, what), 0);
        CHECK_INT(diff_lines(&expected, &twice, what), 0);
        if (strcmp(dbs[k], "website") == 0)
            CHECK_INT(query_long(c, "SELECT count(*) FROM subscription_plans"), 4);
        sl_free(&once);
        sl_free(&twice);
        sl_free(&expected);
        PQfinish(c);
    }
}

/* Each file runs inside BEGIN ... COMMIT without ending the transaction
 * itself, and a rolled-back file leaves no trace: a failing migration leaves
 * nothing half-made. */
TEST(schema_each_migration_is_one_transaction)
{
    static const char *const dbs[] = {"history", "backtest", "website"};
    for (int k = 0; k < 3; k++) {
        char dsn[512];
        th_pg_create_db(dbs[k], dsn, sizeof dsn);
        PGconn *c = connect_db(dsn);
        StrList files = migrations(dbs[k], 1);
        for (int i = 0; i < files.n; i++) {
            StrList before = schema_lines(c);
            char *sql = slurp(th_path(files.v[i]));
            REQUIRE(sql != NULL);
            REQUIRE(exec_ok(c, "BEGIN", "BEGIN") == 0);
            CHECKF(exec_ok(c, files.v[i], sql) == 0, "%s inside BEGIN", files.v[i]);
            CHECKF(PQtransactionStatus(c) == PQTRANS_INTRANS,
                   "%s ended the surrounding transaction", files.v[i]);
            PQclear(PQexec(c, "ROLLBACK"));
            free(sql);
            StrList after = schema_lines(c);
            char what[300];
            snprintf(what, sizeof what, "schema after rolling back %s", files.v[i]);
            CHECK_INT(diff_lines(&before, &after, what), 0);
            REQUIREF(apply_file(c, files.v[i], 1) == 0, "%s in BEGIN..COMMIT", files.v[i]);
            sl_free(&before);
            sl_free(&after);
        }
        StrList actual = schema_lines(c), expected = expected_lines(dbs[k]);
        CHECK_INT(diff_lines(&expected, &actual, dbs[k]), 0);
        sl_free(&actual);
        sl_free(&expected);
        sl_free(&files);
        PQfinish(c);
    }
}

/* The files are what the runner can send: no psql meta-commands, and no
 * statement that cannot run in a transaction block. */
TEST(schema_migration_files_have_no_psql_commands)
{
    static const char *const dbs[] = {"history", "backtest", "website"};
    for (int k = 0; k < 3; k++) {
        StrList files = migrations(dbs[k], 1);
        CHECK(files.n > 0);
        for (int i = 0; i < files.n; i++) {
            char *sql = slurp(th_path(files.v[i]));
            REQUIRE(sql != NULL);
            for (char *p = sql; *p; p++) {
                if ((p == sql || p[-1] == '\n') && *p == '\\')
                    CHECKF(0, "%s: psql meta-command at offset %ld", files.v[i], (long)(p - sql));
            }
            CHECKF(!strstr(sql, "CONCURRENTLY"), "%s: CONCURRENTLY cannot run in a transaction", files.v[i]);
            CHECKF(!strstr(sql, "VACUUM"), "%s: VACUUM cannot run in a transaction", files.v[i]);
            free(sql);
        }
        sl_free(&files);
    }
}

/* ---- rules the schema itself enforces ------------------------------------- */

TEST(schema_candles_reject_rows_breaking_the_candle_rules)
{
    char dsn[512];
    th_pg_create_db("history", dsn, sizeof dsn);
    PGconn *c = connect_db(dsn);
    apply_all(c, "history", 1);
    const char *ins = "INSERT INTO candles (symbol, timeframe, \"timestamp\", open, high, low, close, volume) VALUES ";
    char q[512];
    snprintf(q, sizeof q, "%s ('NQ','M1','2024-01-02 14:30',100,101,99,100.5,10)", ins);
    CHECK(exec_ok(c, "good candle", q) == 0);
    /* doji with every price equal and no volume is a valid candle */
    snprintf(q, sizeof q, "%s ('NQ','M1','2024-01-02 14:31',100,100,100,100,0)", ins);
    CHECK(exec_ok(c, "flat candle", q) == 0);
    static const char *const bad[] = {
        "('NQ','M1','2024-01-02 14:32',100,99.5,99,100,1)",    /* high < open */
        "('NQ','M1','2024-01-02 14:32',100,101,100.5,100,1)",  /* low > close */
        "('NQ','M1','2024-01-02 14:32',100,101,102,100,1)",    /* high < low */
        "('NQ','M1','2024-01-02 14:32',0,101,99,100,1)",       /* open = 0 */
        "('NQ','M1','2024-01-02 14:32',100,101,-1,100,1)",     /* negative low */
        "('NQ','M1','2024-01-02 14:32',100,101,99,100,-1)",    /* negative volume */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(q, sizeof q, "%s %s", ins, bad[i]);
        CHECKF(exec_fails_with(c, "23514", q), "accepted %s", bad[i]);
    }
    /* One row per (symbol, timeframe, timestamp). */
    snprintf(q, sizeof q, "%s ('NQ','M1','2024-01-02 14:30',100,101,99,100.5,10)", ins);
    CHECK(exec_fails_with(c, "23505", q));
    CHECK_INT(query_long(c, "SELECT count(*) FROM candles"), 2);
    PQfinish(c);
}

/* 000 6.1 with architecture.md 9: a re-scan's insert of the same gap writes nothing
 * and keeps the number; numbers come from the sequence; statuses and the
 * cleared_* columns go together. */
TEST(schema_fvg_natural_key_keeps_numbers_stable)
{
    char dsn[512];
    th_pg_create_db("backtest", dsn, sizeof dsn);
    PGconn *c = connect_db(dsn);
    apply_all(c, "backtest", 1);
#define GAP_SQL \
        "INSERT INTO fvg_detections (symbol, timeframe, type, top_price, bottom_price, gap_size," \
        " gap_size_points, start_time, end_time, detection_time, left_candle_index," \
        " middle_candle_index, right_candle_index) VALUES" \
        " ('MNQ','M1','bullish',17010.25,17005.00,5.25,21,%ld,%ld,%ld,%d,%d,%d)" \
        " ON CONFLICT (symbol, timeframe, type, start_time) DO NOTHING"
    char q[1024];
    snprintf(q, sizeof q, GAP_SQL, 1703001600L, 1703004000L, 1703001720L, 0, 1, 2);
    CHECK(exec_ok(c, "first gap", q) == 0);
    snprintf(q, sizeof q, GAP_SQL, 1703001660L, 1703004060L, 1703001780L, 1, 2, 3);
    CHECK(exec_ok(c, "second gap", q) == 0);
    long first = query_long(c, "SELECT number FROM fvg_detections WHERE start_time = 1703001600");
    long second = query_long(c, "SELECT number FROM fvg_detections WHERE start_time = 1703001660");
    CHECK(first > 0);
    CHECK(second > first);
    snprintf(q, sizeof q, GAP_SQL, 1703001600L, 1703004000L, 1703001720L, 0, 1, 2);
    CHECK(exec_ok(c, "re-scan", q) == 0);
    CHECK_INT(query_long(c, "SELECT count(*) FROM fvg_detections"), 2);
    CHECK_INT(query_long(c, "SELECT number FROM fvg_detections WHERE start_time = 1703001600"), first);
    CHECK_INT(query_long(c, "SELECT count(*) FROM fvg_detections WHERE status = 'valid'"), 2);
    /* cleared needs cleared_at/by/price, and only cleared may have them */
    CHECK(exec_fails_with(c, "23514",
          "UPDATE fvg_detections SET status = 'cleared' WHERE start_time = 1703001600"));
    CHECK(exec_fails_with(c, "23514",
          "UPDATE fvg_detections SET cleared_by = 'wick' WHERE start_time = 1703001600"));
    CHECK(exec_ok(c, "clear", "UPDATE fvg_detections SET status = 'cleared', cleared_at = 1703002000,"
                              " cleared_by = 'wick', cleared_price = 17005.00"
                              " WHERE start_time = 1703001600") == 0);
    CHECK(exec_fails_with(c, "23514",
          "UPDATE fvg_detections SET cleared_by = 'body' WHERE start_time = 1703001600"));
    /* bottom below top; L, M, R consecutive */
    snprintf(q, sizeof q, GAP_SQL, 1703001720L, 1703004120L, 1703001840L, 2, 4, 5);
    CHECK(exec_fails_with(c, "23514", q));
    CHECK(exec_fails_with(c, "23514",
          "UPDATE fvg_detections SET bottom_price = 17020 WHERE start_time = 1703001660"));
    CHECK(exec_fails_with(c, "22P02",
          "UPDATE fvg_detections SET timeframe = 'M2' WHERE start_time = 1703001660"));
    PQfinish(c);
}

/* architecture.md 9: one portfolio per user; an execution (job id) is recorded once
 * per user and trades at most once per user. */
TEST(schema_website_executions_are_once_per_job_and_user)
{
    char dsn[512];
    th_pg_create_db("website", dsn, sizeof dsn);
    PGconn *c = connect_db(dsn);
    apply_all(c, "website", 1);
    REQUIRE(exec_ok(c, "seed",
        "INSERT INTO users (email, username, hashed_password) VALUES ('a@x','a','h'), ('b@x','b','h');"
        "INSERT INTO strategies (name, dsl_code, owner_id, slug, agent_weights)"
        " VALUES ('HODL wave', '', 1, 'hodl-wave', '{\"macro\":0.4,\"onchain\":0.4,\"ta\":0.2}');"
        "INSERT INTO strategy_subscriptions (user_id, strategy_id, allocated_capital) VALUES (1, 1, 1000);"
        "INSERT INTO portfolios (user_id, initial_capital, cash_balance, total_value)"
        " SELECT id, initial_capital, initial_capital, initial_capital FROM users WHERE id = 1") == 0);
    CHECK_INT(query_long(c, "SELECT cash_balance::int FROM portfolios WHERE user_id = 1"), 10000);
    CHECK(exec_fails_with(c, "23505",
          "INSERT INTO portfolios (user_id, initial_capital, cash_balance, total_value) VALUES (1, 1, 1, 1)"));
    CHECK(exec_fails_with(c, "23505", "INSERT INTO strategies (name, dsl_code, owner_id, slug)"
                                      " VALUES ('again', '', 2, 'hodl-wave')"));
    const char *trade =
        "INSERT INTO trades (user_id, portfolio_id, strategy_id, execution_id, asset, action,"
        " quantity, price, total_value, status) VALUES (1, 1, 1,"
        " '0193f1c2-0000-7000-8000-000000000001', 'BTC', 'BUY', 0.01, 50000, 500, 'executed')";
    CHECK(exec_ok(c, "trade", trade) == 0);
    CHECK(exec_fails_with(c, "23505", trade));
#define EXEC_SQL \
        "INSERT INTO strategy_executions (\"timestamp\", execution_id, strategy_id, user_id," \
        " conviction_score, signal, action_taken, trade_id, reasoning) VALUES" \
        " ('2026-11-21 22:30:00+00', '0193f1c2-0000-7000-8000-000000000001', 1, %s, 72.5," \
        " 'BUY', '%s', %s, 'r')"
    char q[1024];
    snprintf(q, sizeof q, EXEC_SQL, "1", "executed", "1");
    CHECK(exec_ok(c, "execution", q) == 0);
    CHECK(exec_fails_with(c, "23505", q));
    snprintf(q, sizeof q, EXEC_SQL, "2", "skipped", "NULL");
    CHECK(exec_ok(c, "skip of user 2", q) == 0);
    /* the strategy-level row (no subscriber) is once per execution too */
    snprintf(q, sizeof q, EXEC_SQL, "NULL", "skipped", "NULL");
    CHECK(exec_ok(c, "strategy-level row", q) == 0);
    CHECK(exec_fails_with(c, "23505", q));
    snprintf(q, sizeof q, EXEC_SQL, "2", "ignored", "NULL");
    CHECK(exec_fails_with(c, "23514", q));
    CHECK(exec_fails_with(c, "23514",
          "UPDATE trades SET status = 'skipped' WHERE id = 1"));
    PQfinish(c);
}
