/* stratfarm strategies sync [--ref REF]
 *
 * Strategies as code: the files of the strategies repository
 * (strategies.repo) at a commit (strategies.ref, or --ref) become Website
 * strategies rows, in one transaction:
 *   <path>/<slug>.dsl    a DSL program (docs/strategy-dsl.md): dsl_code,
 *                        name from its `strategy "..."` line
 *   <path>/<slug>.json   its agent settings: {"name", "description",
 *                        "agent_weights", "execution_config", "timeframe"};
 *                        alone (no .dsl) it is an agent-only strategy
 * Every row records source_path and source_commit. A row synced before
 * whose file is gone is deactivated (is_active false), never deleted. A
 * slug that a website user's own strategy holds is refused. A DSL file that
 * does not parse is refused with its file, line and column: nothing is
 * written then. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "config.h"
#include "gitrepo.h"
#include "registry.h"

#include <ctype.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct SyncFile {
    char slug[64];
    char dsl_path[512], json_path[512];
} SyncFile;

typedef struct Sync {
    SyncFile *f;
    size_t n, cap;
    int bad_name;
} Sync;

static int slug_of(const char *path, const char *ext, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base), el = strlen(ext);
    if (n <= el || strcmp(base + n - el, ext) != 0 || n - el >= cap || n - el > 50) return -1;
    for (size_t i = 0; i < n - el; i++) {
        char c = base[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-' || c == '_')) return -1;
        out[i] = c;
    }
    out[n - el] = '\0';
    return 0;
}

static int on_file(void *ctx, const char *path)
{
    Sync *s = ctx;
    char slug[64];
    int is_dsl = slug_of(path, ".dsl", slug, sizeof slug) == 0;
    if (!is_dsl && slug_of(path, ".json", slug, sizeof slug) < 0) {
        if (strstr(path, ".dsl") || strstr(path, ".json")) {
            fprintf(stderr, "stratfarm: %s: a strategy file name is [a-z0-9_-]+ (at most 50) .dsl/.json\n", path);
            s->bad_name++;
        }
        return 0;
    }
    SyncFile *f = NULL;
    for (size_t i = 0; i < s->n && !f; i++)
        if (strcmp(s->f[i].slug, slug) == 0) f = &s->f[i];
    if (!f) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 32;
            SyncFile *g = realloc(s->f, cap * sizeof *g);
            if (!g) return -1;
            s->f = g;
            s->cap = cap;
        }
        f = &s->f[s->n++];
        memset(f, 0, sizeof *f);
        snprintf(f->slug, sizeof f->slug, "%s", slug);
    }
    snprintf(is_dsl ? f->dsl_path : f->json_path, sizeof f->dsl_path, "%s", path);
    return 0;
}

/* The row one slug's files make: parameters of UPSERT_SQL. */
typedef struct SyncRow {
    char *dsl, *settings;         /* file texts (malloc'd) */
    char name[200];
    json_t *cfg;                  /* the .json, or {} */
    char *weights, *exec, *desc, *tf;
} SyncRow;

static void row_free(SyncRow *r)
{
    free(r->dsl);
    free(r->settings);
    json_decref(r->cfg);
    free(r->weights);
    free(r->exec);
    free(r->desc);
    free(r->tf);
}

static char *member_text(json_t *cfg, const char *key)
{
    json_t *v = json_object_get(cfg, key);
    if (!v) return NULL;
    if (json_is_string(v)) return strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

static int load_row(const Config *cfg, const char *commit, const SyncFile *f, SyncRow *r, FarmErr *err)
{
    size_t len = 0;
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", f->slug);
    if (f->dsl_path[0]) {
        if (gitrepo_read(cfg->strategies.repo, commit, f->dsl_path, &r->dsl, &len, err)) return -1;
        char name[128] = "";
        int line = 0, col = 0;
        FarmErr de = {0};
        if (registry_check_strategy(r->dsl, len, name, sizeof name, &line, &col, &de))
            return err_set(err, SF_EINPUT, "%s:%d:%d: %s", f->dsl_path, line, col, de.msg);
        if (name[0]) snprintf(r->name, sizeof r->name, "%s", name);
    }
    r->cfg = json_object();
    if (f->json_path[0]) {
        json_error_t je;
        if (gitrepo_read(cfg->strategies.repo, commit, f->json_path, &r->settings, &len, err)) return -1;
        json_decref(r->cfg);
        r->cfg = json_loadb(r->settings, len, 0, &je);
        if (!json_is_object(r->cfg))
            return err_set(err, SF_EINPUT, "%s:%d:%d: %s", f->json_path, je.line, je.column,
                           r->cfg ? "expected a JSON object" : je.text);
        json_t *n = json_object_get(r->cfg, "name");
        if (json_is_string(n)) snprintf(r->name, sizeof r->name, "%s", json_string_value(n));
    }
    r->weights = member_text(r->cfg, "agent_weights");
    r->exec = member_text(r->cfg, "execution_config");
    r->desc = member_text(r->cfg, "description");
    r->tf = member_text(r->cfg, "timeframe");
    return 0;
}

/* Only rows the repository owns are updated: a website user's strategy
 * with the same slug makes the statement return nothing. */
static const char UPSERT_SQL[] =
    "INSERT INTO strategies (name, description, dsl_code, owner_id, slug, timeframe, agent_weights,"
    "                        execution_config, source_path, source_commit, is_active)"
    " VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::jsonb, '{}'::jsonb), $8::jsonb, $9, $10, true)"
    " ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,"
    "   dsl_code = EXCLUDED.dsl_code, timeframe = EXCLUDED.timeframe,"
    "   agent_weights = EXCLUDED.agent_weights, execution_config = EXCLUDED.execution_config,"
    "   source_path = EXCLUDED.source_path, source_commit = EXCLUDED.source_commit, is_active = true,"
    "   version = strategies.version + (strategies.dsl_code IS DISTINCT FROM EXCLUDED.dsl_code)::int,"
    "   updated_at = CURRENT_TIMESTAMP"
    "  WHERE strategies.source_path IS NOT NULL"
    " RETURNING (xmax = 0)";

static const char RETIRE_SQL[] =
    "UPDATE strategies SET is_active = false, updated_at = CURRENT_TIMESTAMP"
    " WHERE source_path IS NOT NULL AND is_active"
    "   AND NOT (source_path = ANY(string_to_array($1, E'\\n')))";

static int upsert(Db *db, const char *owner, const char *commit, const SyncFile *f, const SyncRow *r,
                  int *inserted, FarmErr *err)
{
    const char *path = f->dsl_path[0] ? f->dsl_path : f->json_path;
    const char *p[10] = {r->name, r->desc, r->dsl ? r->dsl : "", owner, f->slug, r->tf,
                         r->weights, r->exec, path, commit};
    PGresult *res = NULL;
    if (db_execp(db, UPSERT_SQL, 10, p, &res, err)) return err_wrap(err, "strategy %s", f->slug);
    int rc = 0;
    if (PQntuples(res) != 1)
        rc = err_set(err, SF_EINPUT, "%s: slug \"%s\" belongs to a strategy made on the website",
                     path, f->slug);
    else
        *inserted = PQgetvalue(res, 0, 0)[0] == 't';
    db_result_free(res);
    return rc;
}

static int owner_id(Db *db, const char *username, char *out, size_t cap, FarmErr *err)
{
    const char *p[1] = {username};
    PGresult *res = NULL;
    if (db_execp(db, "SELECT id FROM users WHERE username = $1", 1, p, &res, err)) return -1;
    int rc = 0;
    if (PQntuples(res) != 1)
        rc = err_set(err, SF_ECONFIG, "strategies.owner: \"%s\" is not a website user", username);
    else
        snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
    db_result_free(res);
    return rc;
}

typedef struct SyncCounts { int inserted, updated; long long retired; } SyncCounts;

/* Every row, then the retirement, in one transaction. */
static int write_all(Db *db, const Config *cfg, const char *commit, const Sync *s, SyncCounts *c,
                     FarmErr *err)
{
    char owner[32];
    size_t cap = 1, len = 0;
    for (size_t i = 0; i < s->n; i++) cap += 2 * sizeof s->f[i].dsl_path;
    char *paths = calloc(cap, 1);
    if (!paths) return err_set(err, SF_EIO, "out of memory");
    if (owner_id(db, cfg->strategies.owner, owner, sizeof owner, err) || db_begin(db, err)) {
        free(paths);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        SyncRow r;
        int ins = 0;
        rc = load_row(cfg, commit, &s->f[i], &r, err);
        if (rc == 0) rc = upsert(db, owner, commit, &s->f[i], &r, &ins, err);
        row_free(&r);
        if (rc == 0) ins ? c->inserted++ : c->updated++;
        const char *paths_of[2] = {s->f[i].dsl_path, s->f[i].json_path};
        for (int k = 0; k < 2; k++)
            if (paths_of[k][0]) len += (size_t)snprintf(paths + len, cap - len, "%s%s", len ? "\n" : "", paths_of[k]);
    }
    PGresult *res = NULL;
    const char *p[1] = {paths};
    if (rc == 0 && db_execp(db, RETIRE_SQL, 1, p, &res, err) == 0) {
        c->retired = strtoll(PQcmdTuples(res), NULL, 10);
        db_result_free(res);
    } else if (rc == 0) {
        rc = -1;
    }
    free(paths);
    if (rc) { db_rollback(db); return -1; }
    return db_commit(db, err);
}

int cmd_strategies(CliCtx *ctx, int argc, char **argv)
{
    const char *ref = ctx->cfg->strategies.ref;
    if (argc == 4 && strcmp(argv[2], "--ref") == 0) ref = argv[3];
    else if (argc != 2) goto usage;
    if (strcmp(argv[1], "sync") != 0) goto usage;
    FarmErr err = {0};
    char commit[GITREPO_OID_HEX];
    Sync s = {0};
    Db *db = NULL;
    SyncCounts c = {0};
    int rc = 1;
    if (gitrepo_resolve(ctx->cfg->strategies.repo, ref, commit, &err) ||
        gitrepo_list(ctx->cfg->strategies.repo, commit, "", on_file, &s, &err) < 0) {
        cli_fail(&err);
        goto cleanup;
    }
    if (s.bad_name) goto cleanup;
    if (cli_db_open(ctx, DB_WEBSITE, &db, &err) || write_all(db, ctx->cfg, commit, &s, &c, &err)) {
        cli_fail(&err);
        goto cleanup;
    }
    printf("synced %zu strategies at commit %s (%d new, %d updated, %lld deactivated)\n", s.n,
           commit, c.inserted, c.updated, c.retired);
    rc = 0;
cleanup:
    db_close(db);
    free(s.f);
    return rc;
usage:
    fprintf(stderr, "usage: stratfarm strategies sync [--ref REF]\n");
    return 2;
}
