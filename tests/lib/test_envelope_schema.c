/* The C validator and the JSON Schemas of docs/schemas/ agree on the corpus
 * in tests/lib/envelope_corpus/: good/ both accept, bad/ both refuse, and
 * c_only/ holds what C refuses and JSON Schema cannot express (its
 * README.md says why, case by case). The C side is what the worker
 * decides: envelope_parse, then the kind's validate with the effective
 * configuration (registry_plan), and for backtest its submit-time check
 * of the plan. The schema side is tests/lib/envelope_schema_check.py with
 * Debian's python3-jsonschema. */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "registry.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 20);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* 1 when the farm would run it; why gets the reason otherwise. */
static int c_accepts(const Config *cfg, const char *path, char *why, size_t cap)
{
    size_t len = 0;
    char *text = slurp(path, &len);
    Envelope env;
    FarmErr err = {0};
    int ok = text && envelope_parse(text, len, &env, &err) == 0;
    if (ok) {
        const JobKind *kind;
        void *plan = NULL;
        ok = registry_plan(cfg, env.kind, env.payload, &kind, &plan, &err) == 0;
        /* backtest's validate keeps a bad request as a plan that fails at
         * run with its 002 error code; submit refuses it through admit,
         * which reads no database for this kind. */
        if (ok && strcmp(env.kind, "backtest") == 0 && kind->admit) ok = kind->admit(NULL, plan, &err) == 0;
        if (plan) kind->plan_free(plan);
        envelope_clear(&env);
    }
    snprintf(why, cap, "%s", ok ? "" : err.msg);
    free(text);
    return ok;
}

TEST(envelope_c_validator_and_json_schema_agree_on_the_corpus)
{
    if (system("python3 -c 'import jsonschema' 2>/dev/null") != 0) {
        if (getenv("CI")) REQUIREF(0, "python3-jsonschema is missing (ops/deps.sh installs it)");
        th_skip("python3-jsonschema not installed");
    }
    th_write("cfg.yaml", "worker:\n  kinds: [noop, sleep, fail, indicators, fvg_scan, backtest, agent_analysis]\n  test_kinds: true\n");
    Config *cfg = NULL;
    FarmErr err = {0};
    REQUIREF(registry_config_load("cfg.yaml", &cfg, &err) == 0, "%s", err.msg);
    char *out = NULL;
    int rc = th_run(&out, "cd %s && python3 tests/lib/envelope_schema_check.py docs/schemas tests/lib/envelope_corpus/*/*.json",
                    th_root());
    REQUIREF(rc == 0 && out, "%s", out ? out : "(no output)");
    int n = 0, per[3] = {0};
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = '\0';
        int schema_ok = strncmp(tab + 1, "accept", 6) == 0;
        char path[600], why[512];
        snprintf(path, sizeof path, "%s/%s", th_root(), line);
        int c_ok = c_accepts(cfg, path, why, sizeof why);
        int group = strstr(line, "/good/") ? 0 : strstr(line, "/bad/") ? 1 : 2;
        per[group]++;
        n++;
        if (group == 0) CHECKF(c_ok && schema_ok, "%s: C %s (%s), schema %s", line, c_ok ? "accepts" : "refuses", why, tab + 1);
        if (group == 1) CHECKF(!c_ok && !schema_ok, "%s: C %s, schema %s", line, c_ok ? "accepts" : "refuses", tab + 1);
        if (group == 2) CHECKF(!c_ok && schema_ok, "%s: C %s, schema %s (c_only: C refuses, the schema cannot)", line,
                               c_ok ? "accepts" : "refuses", tab + 1);
    }
    CHECKF(per[0] >= 15 && per[1] >= 40 && per[2] >= 5, "corpus: %d good, %d bad, %d c_only", per[0], per[1], per[2]);
    free(out);
    config_free(cfg);
}

/* A kind without a payload schema would pass the schema's kind enum only
 * by being added there by hand: each kind of the registry has its file
 * and is named in the envelope schema. */
TEST(every_kind_of_the_registry_has_a_payload_schema)
{
    size_t n = 0;
    const JobKind *const *all = registry_all(&n);
    size_t len = 0;
    char path[600];
    snprintf(path, sizeof path, "%s/docs/schemas/envelope.schema.json", th_root());
    char *env = slurp(path, &len);
    REQUIRE(env != NULL);
    for (size_t i = 0; i < n; i++) {
        const char *name = all[i]->config.name;
        snprintf(path, sizeof path, "%s/docs/schemas/payload/%s.schema.json", th_root(), name);
        CHECKF(access(path, R_OK) == 0, "no %s", path);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", name);
        CHECKF(strstr(env, quoted) != NULL, "envelope.schema.json does not name kind %s", name);
    }
    free(env);
}
