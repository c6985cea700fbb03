/* test_layering.c - the arrows of docs/architecture.md ("Layering") as a
 * test: every #include of a production file (lib/, jobs/, worker/,
 * scheduler/, cli/) is resolved the way the compiler resolves it, and an
 * arrow that points the wrong way fails, naming file:line and the rule.
 *
 * Resolution: "x.h" is looked up in the including file's folder, then in
 * -Ilib -Ijobs -I. (Makefile INCS), then -Itests -Itests/bench (the test
 * flavour's extra folders, so that a production file reaching into tests/
 * is caught even though the release build would not find it); <x.h> skips
 * the including folder. A name found nowhere in the tree is a system or
 * library header, kept as "<x.h>".
 *
 * The rules live in layer_check(), which takes a list of edges (file, line,
 * resolved target), so a second test feeds it synthetic arrows: one wrong
 * arrow per rule must fail, and the good ones must pass. */
#define _GNU_SOURCE
#include "th.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct LayerEdge {
    const char *file;   /* repository-relative, e.g. "jobs/fvg/fvg.h" */
    int line;
    const char *target; /* repository-relative path, or "<name>" outside the tree */
} LayerEdge;

/* ---- the rules ------------------------------------------------------------ */

typedef enum { L_LIB, L_REGISTRY, L_PURE, L_KIND, L_WORKER, L_SCHED, L_CLI, L_TESTS, L_SYS, L_OTHER } Layer;

/* Pure compute folders under jobs/: no I/O, arrays in and out. */
static const char *const pure_dirs[] = { "ta", "fvg", "strategy", "agents" };
/* lib/ headers pure compute may include: plain functions, no I/O, no state. */
static const char *const pure_lib_allow[] = { "lib/civil.h" };
/* Libraries pure compute never includes (prefixes of the header name). */
static const char *const io_headers[] = { "hiredis", "libpq-fe.h", "libpq/", "postgresql/", "jansson.h",
                                          "yaml.h", "curl/", "git2", "microhttpd.h" };

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* The jobs/ subfolder of path (into sub[cap]), or "" for a file directly in jobs/. */
static void jobs_sub(const char *path, char *sub, size_t cap)
{
    const char *p = path + strlen("jobs/"), *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : 0;
    if (n >= cap) n = cap - 1;
    memcpy(sub, p, n);
    sub[n] = '\0';
}

static Layer layer_of(const char *path, char *sub, size_t cap)
{
    sub[0] = '\0';
    if (path[0] == '<') return L_SYS;
    if (starts(path, "lib/")) return L_LIB;
    if (starts(path, "worker/")) return L_WORKER;
    if (starts(path, "scheduler/")) return L_SCHED;
    if (starts(path, "cli/")) return L_CLI;
    if (starts(path, "tests/")) return L_TESTS;
    if (starts(path, "jobs/")) {
        jobs_sub(path, sub, cap);
        if (!sub[0]) return L_REGISTRY; /* jobs/registry.{c,h}: the one list of kinds */
        for (size_t i = 0; i < sizeof pure_dirs / sizeof pure_dirs[0]; i++)
            if (strcmp(sub, pure_dirs[i]) == 0) return L_PURE;
        return L_KIND;
    }
    return L_OTHER;
}

static int is_io_header(const char *target)
{
    if (target[0] != '<') return 0;
    const char *name = target + 1;
    for (size_t i = 0; i < sizeof io_headers / sizeof io_headers[0]; i++)
        if (starts(name, io_headers[i])) return 1;
    return 0;
}

/* The rule the edge breaks, or NULL when the arrow is allowed. */
static const char *layer_rule(const char *file, const char *target)
{
    char fsub[64], tsub[64];
    Layer from = layer_of(file, fsub, sizeof fsub), to = layer_of(target, tsub, sizeof tsub);
    if (from == L_TESTS || from == L_OTHER) return NULL; /* not production */
    if (to == L_TESTS) return "no production file includes anything under tests/";
    switch (from) {
    case L_LIB:
        if (to == L_REGISTRY || to == L_PURE || to == L_KIND || to == L_WORKER || to == L_SCHED || to == L_CLI)
            return "lib/ includes nothing from jobs/, worker/, scheduler/, cli/ or tests/";
        return NULL;
    case L_PURE:
        if (to == L_SYS)
            return is_io_header(target) ? "pure compute (jobs/ta, jobs/fvg, jobs/strategy, jobs/agents) includes "
                                          "no I/O library (hiredis, libpq, jansson, yaml, curl, git2, microhttpd)"
                                        : NULL;
        if (to == L_PURE) return NULL;
        if (to == L_LIB)
            for (size_t i = 0; i < sizeof pure_lib_allow / sizeof pure_lib_allow[0]; i++)
                if (strcmp(target, pure_lib_allow[i]) == 0) return NULL;
        return "pure compute includes only pure compute headers, system headers and, from lib/, "
               "the pure ones (lib/civil.h)";
    case L_KIND:
        if (to == L_WORKER || to == L_SCHED || to == L_CLI)
            return "a kind's folder (jobs/<kind>/) includes nothing from worker/, scheduler/ or cli/";
        if (to == L_REGISTRY) return "a kind's folder does not include jobs/registry (the registry includes the kinds)";
        if (to == L_KIND && strcmp(fsub, tsub) != 0)
            return "a kind's folder does not include another kind's folder";
        return NULL;
    case L_REGISTRY:
        if (to == L_WORKER || to == L_SCHED || to == L_CLI)
            return "jobs/registry includes nothing from worker/, scheduler/ or cli/";
        if (to == L_KIND && !(strlen(target) > 2 && strcmp(target + strlen(target) - 2, ".h") == 0))
            return "jobs/registry includes only the kinds' headers";
        return NULL;
    case L_WORKER:
    case L_SCHED:
        if ((from == L_WORKER && to == L_SCHED) || (from == L_SCHED && to == L_WORKER))
            return "worker/ and scheduler/ never include each other (what both need is in lib/)";
        if (to == L_CLI) return "worker/ and scheduler/ include nothing from cli/";
        if (to == L_KIND || to == L_PURE)
            return "worker/ and scheduler/ reach the kinds only through jobs/registry.h";
        if (to == L_REGISTRY && strcmp(target, "jobs/registry.h") != 0)
            return "worker/ and scheduler/ include jobs/registry.h only";
        return NULL;
    case L_CLI:
        if (to == L_LIB || to == L_CLI || to == L_SYS || strcmp(target, "jobs/registry.h") == 0) return NULL;
        return "cli/ includes only lib/, jobs/registry.h and its own files (not a kind's or pure compute's files)";
    default:
        return NULL;
    }
}

/* Checks every edge; returns the number of wrong arrows and, in *report
 * (malloc'd, the caller frees; may be NULL when report is NULL), one line
 * per wrong arrow: "file:line: includes target: rule". */
static size_t layer_check(const LayerEdge *edges, size_t n, char **report)
{
    size_t bad = 0, len = 0;
    char *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *rule = layer_rule(edges[i].file, edges[i].target);
        if (!rule) continue;
        bad++;
        if (!report) continue;
        int need = snprintf(NULL, 0, "%s:%d: includes %s: %s\n", edges[i].file, edges[i].line, edges[i].target, rule);
        char *grown = realloc(out, len + (size_t)need + 1);
        REQUIRE(grown);
        out = grown;
        snprintf(out + len, (size_t)need + 1, "%s:%d: includes %s: %s\n", edges[i].file, edges[i].line,
                 edges[i].target, rule);
        len += (size_t)need;
    }
    if (report) *report = out;
    return bad;
}

/* ---- reading the tree ------------------------------------------------------- */

typedef struct Edges {
    LayerEdge *v;
    size_t n, cap;
} Edges;

static void edges_add(Edges *e, const char *file, int line, const char *target)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 256;
        e->v = realloc(e->v, e->cap * sizeof *e->v);
        REQUIRE(e->v);
    }
    e->v[e->n++] = (LayerEdge){ strdup(file), line, strdup(target) };
}

static void edges_free(Edges *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free((char *)e->v[i].file);
        free((char *)e->v[i].target);
    }
    free(e->v);
}

/* Joins dir and name and folds "." and ".." components into out[cap]:
 * "jobs/fvg" + "../lib/x.h" -> "jobs/lib/x.h". Returns 0, or -1 when the
 * path leaves the repository. */
static int path_join(const char *dir, const char *name, char *out, size_t cap)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s%s%s", dir, dir[0] ? "/" : "", name);
    size_t len = 0;
    out[0] = '\0';
    for (char *save = NULL, *part = strtok_r(tmp, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0) continue;
        if (strcmp(part, "..") == 0) {
            if (len == 0) return -1;
            char *slash = strrchr(out, '/');
            len = slash ? (size_t)(slash - out) : 0;
            out[len] = '\0';
            continue;
        }
        int w = snprintf(out + len, cap - len, "%s%s", len ? "/" : "", part);
        if (w < 0 || (size_t)w >= cap - len) return -1;
        len += (size_t)w;
    }
    return 0;
}

static int is_file(const char *rel)
{
    struct stat st;
    return stat(th_path(rel), &st) == 0 && S_ISREG(st.st_mode);
}

/* The compiler's search: the including file's folder (quoted only), then
 * the -I folders in order. */
static void resolve(const char *file, const char *name, int quoted, char *out, size_t cap)
{
    static const char *const incs[] = { "lib", "jobs", "", "tests", "tests/bench" };
    char dir[512];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0'; else dir[0] = '\0';
    if (quoted && path_join(dir, name, out, cap) == 0 && is_file(out)) return;
    for (size_t i = 0; i < sizeof incs / sizeof incs[0]; i++)
        if (path_join(incs[i], name, out, cap) == 0 && is_file(out)) return;
    snprintf(out, cap, "<%s>", name);
}

/* Reads the #include lines of one file into e. */
static void scan_file(Edges *e, const char *rel)
{
    FILE *f = fopen(th_path(rel), "r");
    REQUIREF(f, "cannot open %s", rel);
    char line[2048];
    for (int ln = 1; fgets(line, sizeof line, f); ln++) {
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p++ != '#') continue;
        while (*p == ' ' || *p == '\t') p++;
        if (strncmp(p, "include", 7) != 0) continue;
        p += 7;
        while (*p == ' ' || *p == '\t') p++;
        char close = *p == '"' ? '"' : *p == '<' ? '>' : 0;
        if (!close) continue; /* a macro include: none in the tree */
        const char *end = strchr(p + 1, close);
        if (!end || end == p + 1) continue;
        char name[512], target[1024];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        resolve(rel, name, close == '"', target, sizeof target);
        edges_add(e, rel, ln, target);
    }
    fclose(f);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every .c and .h under dir (repository-relative), in name order. */
static void scan_dir(Edges *e, const char *dir, size_t *nfiles)
{
    DIR *d = opendir(th_path(dir));
    if (!d) return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            REQUIRE(names);
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char rel[1024];
        snprintf(rel, sizeof rel, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(th_path(rel), &st) == 0 && S_ISDIR(st.st_mode)) {
            scan_dir(e, rel, nfiles);
        } else {
            size_t len = strlen(rel);
            if (len > 2 && rel[len - 2] == '.' && (rel[len - 1] == 'c' || rel[len - 1] == 'h')) {
                scan_file(e, rel);
                ++*nfiles;
            }
        }
        free(names[i]);
    }
    free(names);
}

TEST(layering_every_include_of_the_tree_points_down)
{
    static const char *const roots[] = { "lib", "jobs", "worker", "scheduler", "cli" };
    Edges e = { 0 };
    size_t nfiles = 0;
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) scan_dir(&e, roots[i], &nfiles);
    /* The walk found the tree (not an empty folder that passes trivially). */
    REQUIREF(nfiles >= 50 && e.n >= 200, "only %zu files, %zu includes under %s", nfiles, e.n, th_root());
    char *report = NULL;
    size_t bad = layer_check(e.v, e.n, &report);
    CHECKF(bad == 0, "%zu wrong arrows in %zu includes of %zu files:\n%s", bad, e.n, nfiles, report ? report : "");
    free(report);
    edges_free(&e);
}

TEST(layering_check_fails_each_wrong_arrow_and_passes_the_good_ones)
{
    static const LayerEdge wrong[] = {
        /* lib/ includes nothing above it */
        { "lib/queue.c", 1, "jobs/registry.h" },
        { "lib/config.c", 2, "jobs/indicators/indicators_job.h" },
        { "lib/log.c", 3, "jobs/ta/ta.h" },
        { "lib/db.h", 4, "worker/worker.h" },
        { "lib/rds.c", 5, "scheduler/sched.h" },
        { "lib/err.c", 6, "cli/cli.h" },
        /* pure compute: no I/O libraries, no lib/ beyond the allow-list, no glue */
        { "jobs/ta/ma.c", 7, "<hiredis/hiredis.h>" },
        { "jobs/fvg/fvg.c", 8, "<libpq-fe.h>" },
        { "jobs/strategy/dsl.c", 9, "<jansson.h>" },
        { "jobs/agents/score.c", 10, "<yaml.h>" },
        { "jobs/agents/score.c", 11, "<curl/curl.h>" },
        { "jobs/strategy/repo.c", 12, "<git2.h>" },
        { "jobs/ta/ta.h", 13, "<microhttpd.h>" },
        { "jobs/fvg/fvg.h", 14, "lib/err.h" },
        { "jobs/fvg/fvg_hours.c", 15, "lib/tz.h" },
        { "jobs/ta/ma.c", 16, "jobs/indicators/indicators_compute.h" },
        { "jobs/ta/ma.c", 17, "jobs/registry.h" },
        { "jobs/fvg/fvg.c", 18, "worker/worker.h" },
        /* a kind's glue */
        { "jobs/indicators/indicators_job.c", 19, "worker/worker.h" },
        { "jobs/fvg_scan/fvg_scan_job.c", 20, "scheduler/sched.h" },
        { "jobs/noop/noop_job.c", 21, "cli/cli.h" },
        { "jobs/indicators/indicators_job.c", 22, "jobs/fvg_scan/fvg_scan_store.h" },
        { "jobs/indicators/indicators_job.c", 23, "jobs/registry.h" },
        /* the registry */
        { "jobs/registry.c", 24, "worker/worker.h" },
        { "jobs/registry.c", 25, "jobs/noop/noop_job.c" },
        /* worker/ and scheduler/ */
        { "worker/run.c", 26, "scheduler/leader.h" },
        { "scheduler/main.c", 27, "worker/worker.h" },
        { "worker/main.c", 28, "cli/cli.h" },
        { "worker/run.c", 29, "jobs/indicators/indicators_job.h" },
        { "scheduler/main.c", 30, "jobs/ta/ta.h" },
        /* cli/ */
        { "cli/cmd_fvg.c", 31, "jobs/fvg_scan/fvg_scan_store.h" },
        { "cli/cmd_fvg.c", 32, "jobs/fvg/fvg_stats.h" },
        { "cli/main.c", 33, "worker/worker.h" },
        { "cli/main.c", 34, "scheduler/sched.h" },
        /* nothing production includes tests/ */
        { "lib/queue.c", 35, "tests/th.h" },
        { "jobs/ta/ma.c", 36, "tests/bench/bench.h" },
        { "jobs/indicators/indicators_job.c", 37, "tests/th_farm.h" },
        { "worker/run.c", 38, "tests/th.h" },
        { "cli/main.c", 39, "tests/th.h" },
    };
    static const LayerEdge good[] = {
        { "lib/queue.c", 1, "lib/rds.h" },
        { "lib/queue.c", 2, "<hiredis/hiredis.h>" },
        { "lib/db.c", 3, "<libpq-fe.h>" },
        { "jobs/ta/stoch.c", 4, "jobs/ta/ta.h" },
        { "jobs/ta/ma.c", 5, "<math.h>" },
        { "jobs/fvg/fvg_kernel_avx2.c", 6, "<immintrin.h>" },
        { "jobs/fvg/fvg_hours.c", 7, "lib/civil.h" },
        { "jobs/strategy/engine.c", 8, "jobs/ta/ta.h" },
        { "jobs/agents/ta_agent.c", 9, "jobs/ta/ta.h" },
        { "jobs/indicators/indicators_job.c", 10, "jobs/indicators/indicators_store.h" },
        { "jobs/indicators/indicators_job.c", 11, "lib/jobctx.h" },
        { "jobs/indicators/indicators_compute.h", 12, "jobs/ta/ta.h" },
        { "jobs/fvg_scan/fvg_scan_job.c", 13, "jobs/fvg/fvg.h" },
        { "jobs/fvg_scan/fvg_scan_store.c", 14, "<libpq-fe.h>" },
        { "jobs/registry.c", 15, "jobs/indicators/indicators_job.h" },
        { "jobs/registry.c", 16, "jobs/registry.h" },
        { "jobs/registry.h", 17, "lib/jobctx.h" },
        { "worker/run.c", 18, "jobs/registry.h" },
        { "worker/run.c", 19, "worker/worker.h" },
        { "worker/run.c", 20, "lib/queue.h" },
        { "scheduler/main.c", 21, "lib/cron.h" },
        { "scheduler/main.c", 22, "jobs/registry.h" },
        { "cli/cmd_submit.c", 23, "jobs/registry.h" },
        { "cli/cmd_submit.c", 24, "cli/cli.h" },
        { "cli/cmd_jobs.c", 25, "lib/queue_admin.h" },
        { "cli/main.c", 26, "<jansson.h>" },
        { "tests/jobs/ta/test_ta_values.c", 27, "jobs/ta/ta.h" },
        { "tests/test_layering.c", 28, "tests/th.h" },
    };
    size_t nw = sizeof wrong / sizeof wrong[0], ng = sizeof good / sizeof good[0];
    for (size_t i = 0; i < nw; i++)
        CHECKF(layer_check(&wrong[i], 1, NULL) == 1, "%s -> %s passed", wrong[i].file, wrong[i].target);
    for (size_t i = 0; i < ng; i++) {
        char *why = NULL;
        CHECKF(layer_check(&good[i], 1, &why) == 0, "%s", why ? why : "");
        free(why);
    }
    /* One report line per wrong arrow, naming file:line and the rule. */
    char *report = NULL;
    CHECK_INT(layer_check(wrong, nw, &report), nw);
    CHECK_CONTAINS(report, "jobs/fvg/fvg.h:14: includes lib/err.h: pure compute includes only");
    CHECK_CONTAINS(report, "worker/run.c:26: includes scheduler/leader.h: worker/ and scheduler/ never include each other");
    CHECK_CONTAINS(report, "lib/queue.c:35: includes tests/th.h: no production file includes anything under tests/");
    size_t lines = 0;
    for (const char *p = report; p && *p; p++) lines += *p == '\n';
    CHECK_INT(lines, nw);
    free(report);
    CHECK_INT(layer_check(good, ng, NULL), 0);
}

TEST(layering_includes_resolve_as_the_compiler_resolves_them)
{
    char out[1024];
    resolve("jobs/ta/stoch.c", "ta/ta.h", 1, out, sizeof out);      /* not jobs/ta/ta/ta.h: -Ijobs */
    CHECK_STR(out, "jobs/ta/ta.h");
    resolve("jobs/fvg/fvg.c", "fvg.h", 1, out, sizeof out);         /* the including folder first */
    CHECK_STR(out, "jobs/fvg/fvg.h");
    resolve("jobs/fvg/fvg.h", "err.h", 1, out, sizeof out);         /* then -Ilib */
    CHECK_STR(out, "lib/err.h");
    resolve("worker/run.c", "registry.h", 1, out, sizeof out);      /* -Ijobs */
    CHECK_STR(out, "jobs/registry.h");
    resolve("lib/queue.c", "hiredis/hiredis.h", 0, out, sizeof out);
    CHECK_STR(out, "<hiredis/hiredis.h>");
    resolve("lib/log.c", "th.h", 1, out, sizeof out);               /* found, so caught */
    CHECK_STR(out, "tests/th.h");
    CHECK_INT(path_join("jobs/fvg", "../../lib/err.h", out, sizeof out), 0);
    CHECK_STR(out, "lib/err.h");
    CHECK_INT(path_join("lib", "../../x.h", out, sizeof out), -1);
}

/* lib/ spells no kind: no string literal in lib/ is a kind's name or starts
 * a key of a kind's own section ("fvg."), so a kind's names and settings
 * live in its folder only. The kinds come from the registry itself. */
#include "db_role.h"
#include "registry.h"

static void scan_lib_file(const char *path, const char *rel, const char *const *needles, size_t n)
{
    FILE *f = fopen(path, "r");
    REQUIREF(f != NULL, "%s", path);
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        for (size_t i = 0; i < n; i++) {
            char quoted[160];
            snprintf(quoted, sizeof quoted, "\"%s", needles[i]);
            const char *hit = strstr(line, quoted);
            if (!hit) continue;
            char after = hit[strlen(quoted)];
            /* "name" or "name." (a key), not a longer word such as "failed_at". */
            if (after == '"' || after == '.')
                CHECKF(0, "%s:%d spells the kind or kind key %s", rel, lineno, quoted);
        }
    }
    fclose(f);
}

TEST(layering_lib_spells_no_kind_name_or_kind_setting)
{
    size_t nk;
    const JobKind *const *kinds = registry_all(&nk);
    const char *needles[80];
    size_t n = 0;
    for (size_t i = 0; i < nk && n < 70; i++) {
        /* The backtest kind shares its name with the Backtest database,
         * which lib/ names as a database role (db_role.c): that spelling is
         * the database's, so only the kind's keys are looked for. */
        int is_db = 0;
        for (int r = 0; r < DB_ROLE_COUNT; r++) is_db |= strcmp(db_role_name((DbRole)r), kinds[i]->config.name) == 0;
        if (!is_db) needles[n++] = kinds[i]->config.name;
        for (size_t k = 0; k < kinds[i]->config.n_keys && n < 78; k++) {
            static char sections[80][40];
            const char *key = kinds[i]->config.keys[k].name;
            snprintf(sections[n], sizeof sections[n], "%.*s", (int)strcspn(key, "."), key);
            needles[n] = sections[n];
            n++;
        }
    }
    needles[n++] = "backtest_request";
    needles[n++] = "agent_analysis";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/lib", getenv("SF_TEST_ROOT") ? getenv("SF_TEST_ROOT") : ".");
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 3 || (strcmp(e->d_name + l - 2, ".c") && strcmp(e->d_name + l - 2, ".h"))) continue;
        char path[2048], rel[300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(rel, sizeof rel, "lib/%s", e->d_name);
        scan_lib_file(path, rel, needles, n);
        files++;
    }
    closedir(d);
    CHECK(files > 20);
}

/* The link's half of the layering: the programs that plan jobs reference no
 * JobRunner (lib/jobctx.h), so neither the kinds' run code nor libcurl (the
 * LLM client's library) is linked into them; only the worker needs it. A
 * runner referenced from the scheduler or the CLI fails here. */
static int needs_library(const char *prog, const char *lib)
{
    char *out = NULL;
    int rc = th_run(&out, "readelf -d '%s'", th_bin(prog));
    REQUIREF(rc == 0, "readelf -d %s: %s", prog, out ? out : "");
    int found = strstr(out, lib) != NULL;
    free(out);
    return found;
}

TEST(only_the_worker_links_the_kinds_run_code_and_libcurl)
{
    CHECK(needs_library("stratfarm-worker", "[libcurl"));
    CHECK(!needs_library("stratfarm-scheduler", "[libcurl"));
    CHECK(!needs_library("stratfarm", "[libcurl"));
    /* Everything else the scheduler serves with stays. */
    CHECK(needs_library("stratfarm-scheduler", "[libmicrohttpd"));
    CHECK(needs_library("stratfarm-scheduler", "[libgit2"));
    char *out = NULL;
    REQUIRE(th_run(&out, "nm '%s'", th_bin("stratfarm-scheduler")) == 0);
    CHECK(strstr(out, "agent_analysis_runner") == NULL);
    CHECK(strstr(out, "registry_runner") == NULL);
    free(out);
}
