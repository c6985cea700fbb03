/* aa_run.c - one strategy execution: candles, agents, combination,
 * records and paper trades (aa_job.h). */
#define _POSIX_C_SOURCE 200809L
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aa_job.h"
#include "aa_llm.h"
#include "aa_prompt.h"
#include "aa_store.h"
#include "agents/combine.h"
#include "agents/paper.h"
#include "agents/ta_agent.h"
#include "config.h"
#include "history.h"
#include "log.h"

static const char SYSTEM_PROMPT[] =
    "You are one analyst of a trading desk. Answer with one JSON object and nothing else: "
    "{\"score\": number from -1 (strongly bearish) to 1 (strongly bullish), \"confidence\": number "
    "from 0 to 1, \"reasoning\": a short explanation, \"signals\": a list of short strings}.";

/* One agent of the execution. */
typedef struct Agent {
    char name[32];
    int local;                    /* ta */
    int llm;                      /* index into calls, -1 none */
    int ok;
    double score, confidence;
    char why[300];                /* when !ok */
    json_t *input;                /* the snapshot/inputs it saw (owned) */
} Agent;

typedef struct Run {
    JobCtx *ctx;
    const AaPlan *plan;
    const AaSettings *st;
    AaStrategy strat;
    AaSub *subs;
    int n_subs;
    char asset[24];
    const char *tf;
    HistorySeries candles;
    TaAgentResult ta;
    json_t *snapshot;
    Agent agents[COMBINE_MAX_AGENTS];
    int n_agents;
    AaLlmCall calls[COMBINE_MAX_AGENTS];
    char *prompts[COMBINE_MAX_AGENTS];
    int n_calls;
    int llm_configured;
} Run;

/* Bounded copy; snprintf(dst, "%s", src) trips -Wrestrict when both sit
 * in one struct the compiler cannot tell apart. */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memmove(dst, src, n);
    dst[n] = '\0';
}

static void add_agent(Run *r, const char *name)
{
    for (int i = 0; i < r->n_agents; i++)
        if (strcmp(r->agents[i].name, name) == 0) return;
    if (r->n_agents == COMBINE_MAX_AGENTS || strlen(name) >= sizeof r->agents[0].name) return;
    Agent *a = &r->agents[r->n_agents++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->local = strcmp(name, "ta") == 0;
    a->llm = -1;
}

/* The agents any weight names: the strategy's and the subscriptions'. */
static void collect_agents(Run *r)
{
    const char *k;
    json_t *v;
    json_object_foreach(r->strat.weights, k, v) if (json_number_value(v) > 0) add_agent(r, k);
    for (int i = 0; i < r->n_subs; i++)
        if (r->subs[i].custom_weights)
            json_object_foreach(r->subs[i].custom_weights, k, v) if (json_number_value(v) > 0) add_agent(r, k);
}

static const char *pair_of(const ConfigSymZone *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].symbol, name) == 0) return p[i].zone;
    return NULL;
}

static int load_market(Run *r, Db *hist, FarmErr *err)
{
    const char *exec_sym = json_string_value(json_object_get(r->strat.exec, "symbol"));
    const char *sym = r->plan->symbol[0] ? r->plan->symbol : exec_sym;
    if (!sym) return err_set(err, SF_EINPUT, "agent_analysis: strategy %lld has no execution_config.symbol "
                                             "(the asset to analyse and trade)", r->plan->strategy_id);
    snprintf(r->asset, sizeof r->asset, "%s", sym);
    const char *tf = json_string_value(json_object_get(r->strat.exec, "timeframe"));
    if (!tf) tf = r->strat.timeframe[0] ? r->strat.timeframe : "D1";
    if (!(r->tf = config_timeframe_normalise(tf)))
        return err_set(err, SF_EINPUT, "agent_analysis: strategy %lld: timeframe '%s' is not one of "
                                       "M1 M5 M15 H1 H4 D1", r->plan->strategy_id, tf);
    /* No as-of time: the latest candle (9999-12-31, the last time SQL reads). */
    int64_t before = r->plan->as_of ? r->plan->as_of + 1 : 253402300799LL;
    if (history_read_tail(hist, r->asset, r->tf, before, (size_t)r->st->candles, &r->candles, err))
        return -1;
    if (r->candles.n < TA_AGENT_MIN_BARS)
        return err_set(err, SF_EINPUT, "agent_analysis: %s %s has %zu candles before the as-of time "
                       "(at least %d needed)", r->asset, r->tf, r->candles.n, TA_AGENT_MIN_BARS);
    double *work = malloc(4 * r->candles.n * sizeof *work);
    if (!work) return err_set(err, SF_EIO, "out of memory");
    int rc = ta_agent_score(r->candles.close, r->candles.n, work, &r->ta);
    free(work);
    if (rc) return err_set(err, SF_EINPUT, "agent_analysis: %s %s: the candles give no finite indicators",
                           r->asset, r->tf);
    r->snapshot = aa_snapshot(&r->candles, &r->ta, r->asset, r->tf);
    return r->snapshot ? 0 : err_set(err, SF_EIO, "out of memory");
}

/* The template path, relative to the config file's folder. */
static void template_path(const Config *cfg, const char *rel, char *out, size_t cap)
{
    if (rel[0] == '/' || !cfg->source) { snprintf(out, cap, "%s", rel); return; }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", cfg->source);
    snprintf(out, cap, "%s/%s", dirname(dir), rel);
}

static int prepare_call(Run *r, Agent *a, FarmErr *err)
{
    const char *rel = pair_of(r->st->llm_agents, r->st->n_llm_agents, a->name);
    if (!rel) {
        char name[32];
        copy_text(name, sizeof name, a->name);
        snprintf(a->why, sizeof a->why, "agent %s has no prompt template (agents.llm_agents)", name);
        return 0;
    }
    char path[1200];
    template_path(r->ctx->cfg, rel, path, sizeof path);
    char *tmpl = aa_template_load(path, err);
    if (!tmpl) return -1;
    const char *url = pair_of(r->st->inputs, r->st->n_inputs, a->name);
    json_t *inputs = url ? aa_fetch_input(url, (size_t)r->st->input_max_bytes, r->st->input_timeout_ms)
                         : json_object();
    char *snap = json_dumps(r->snapshot, JSON_COMPACT | JSON_SORT_KEYS);
    char *in = json_dumps(inputs, JSON_COMPACT | JSON_SORT_KEYS), asof[20];
    history_format_ts(r->candles.ts[r->candles.n - 1], asof);
    const char *vars[] = {"agent", a->name, "strategy", r->strat.name, "symbol", r->asset,
                          "timeframe", r->tf, "as_of", asof, "snapshot", snap ? snap : "{}",
                          "inputs", in ? in : "{}", NULL, NULL};
    char *prompt = aa_template_fill(tmpl, vars);
    a->input = json_pack("{s:O,s:o}", "snapshot", r->snapshot, "inputs", inputs);
    free(tmpl);
    free(snap);
    free(in);
    if (!prompt) return err_set(err, SF_EIO, "out of memory");
    int k = r->n_calls++;
    r->prompts[k] = prompt;
    r->calls[k] = (AaLlmCall){.agent = a->name, .system = SYSTEM_PROMPT, .prompt = prompt};
    a->llm = k;
    return 0;
}

static int run_agents(Run *r, FarmErr *err)
{
    const AaSettings *st = r->st;
    r->llm_configured = st->llm_base_url && *st->llm_base_url;
    for (int i = 0; i < r->n_agents; i++) {
        Agent *a = &r->agents[i];
        if (a->local) {
            a->ok = 1;
            a->score = r->ta.score;
            a->confidence = r->ta.confidence;
            a->input = json_pack("{s:O}", "snapshot", r->snapshot);
        } else if (!r->llm_configured) {
            snprintf(a->why, sizeof a->why, "no LLM endpoint configured (agents.llm.base_url)");
        } else if (prepare_call(r, a, err)) {
            return -1;
        }
    }
    if (!r->n_calls) return 0;
    const char *key = getenv(st->llm_api_key_env);
    AaLlmConf c = {st->llm_base_url, st->llm_model, key, st->llm_timeout_s * 1000, st->llm_max_retries,
                   st->llm_backoff_ms, st->llm_max_tokens, st->llm_price_prompt, st->llm_price_completion,
                   st->budget_tokens, st->budget_cost};
    if (aa_llm_run(&c, r->calls, r->n_calls, NULL, err)) return -1;
    for (int i = 0; i < r->n_agents; i++) {
        Agent *a = &r->agents[i];
        if (a->llm < 0) continue;
        const AaLlmCall *call = &r->calls[a->llm];
        a->ok = call->ok;
        if (a->ok) {
            a->score = call->ans.score;
            a->confidence = call->ans.confidence;
        } else {
            copy_text(a->why, sizeof a->why, call->error);
        }
    }
    return 0;
}

static double weight_of(const json_t *w, const char *name)
{
    json_t *v = json_object_get(w, name);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static double threshold(const Run *r, const char *key, double def)
{
    json_t *v = json_object_get(r->strat.exec, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

/* Combination for one weight set, and its words. */
static void combine_for(Run *r, const json_t *weights, Combined *c, char *why, size_t cap)
{
    CombineAgent in[COMBINE_MAX_AGENTS];
    for (int i = 0; i < r->n_agents; i++) {
        const Agent *a = &r->agents[i];
        /* Not configured at all is "local agents only", not a failure. */
        int absent = !a->local && !r->llm_configured;
        in[i] = (CombineAgent){a->name, a->ok, a->score, a->confidence,
                               absent ? 0 : weight_of(weights, a->name)};
    }
    combine_agents(in, (size_t)r->n_agents, threshold(r, "buy_threshold", r->st->buy_threshold),
                   threshold(r, "sell_threshold", r->st->sell_threshold), c);
    size_t n = (size_t)snprintf(why, cap, "conviction %.2f -> %s from", c->conviction,
                                combine_signal_name(c->signal));
    for (int i = 0; i < r->n_agents && n < cap; i++) {
        const Agent *a = &r->agents[i];
        if (c->used_weight[i] > 0)
            n += (size_t)snprintf(why + n, cap - n, " %s %.2f (conf %.2f, w %.2f)", a->name, a->score,
                                  a->confidence, c->used_weight[i]);
        else if (in[i].weight > 0 && !a->ok)
            n += (size_t)snprintf(why + n, cap - n, "; %s left out: %s", a->name, a->why);
    }
    if (!r->llm_configured && n < cap) snprintf(why + n, cap - n, "; local agents only (no LLM endpoint)");
}

static json_t *scores_of(const Run *r)
{
    json_t *o = json_object();
    for (int i = 0; o && i < r->n_agents; i++)
        if (r->agents[i].ok) json_object_set_new(o, r->agents[i].name, json_real(r->agents[i].score));
    return o;
}

static void exec_totals(const Run *r, AaExec *x)
{
    for (int i = 0; i < r->n_calls; i++) {
        x->total_tokens += r->calls[i].tokens;
        x->total_cost += r->calls[i].cost;
        if (r->calls[i].ms > x->total_ms) x->total_ms = r->calls[i].ms;
    }
}

static int record(Run *r, Db *web, FarmErr *err)
{
    AaAgentRow rows[COMBINE_MAX_AGENTS];
    int nr = 0;
    for (int i = 0; i < r->n_agents; i++) {
        const Agent *a = &r->agents[i];
        if (!a->ok) continue;
        const AaLlmCall *c = a->llm >= 0 ? &r->calls[a->llm] : NULL;
        rows[nr++] = (AaAgentRow){a->name, a->score, a->confidence,
                                  c ? c->ans.reasoning : "local technical analysis (docs/agent-analysis.md)",
                                  c ? c->ans.signals : NULL, a->input, c ? c->ms : 0, c ? c->tokens : 0,
                                  c ? (c->ans.model[0] ? c->ans.model : r->st->llm_model) : NULL,
                                  c ? c->cost : 0};
    }
    int n_d = r->n_subs ? r->n_subs : 1;
    AaDecision *d = calloc((size_t)n_d, sizeof *d);
    Combined *comb = calloc((size_t)n_d, sizeof *comb);
    char (*why)[700] = calloc((size_t)n_d, sizeof *why);
    json_t *scores = scores_of(r);
    int rc = -1, degraded = 0, usable = 0;
    if (!d || !comb || !why || !scores) { err_set(err, SF_EIO, "out of memory"); goto out; }
    for (int i = 0; i < n_d; i++) {
        const AaSub *s = r->n_subs ? &r->subs[i] : NULL;
        combine_for(r, s && s->custom_weights ? s->custom_weights : r->strat.weights, &comb[i], why[i],
                    sizeof why[i]);
        degraded |= comb[i].degraded;
        usable |= comb[i].usable;
        d[i] = (AaDecision){s, &comb[i], why[i], scores};
    }
    int64_t price = 0;
    char px[40];
    snprintf(px, sizeof px, "%.2f", r->ta.close);
    if (paper_parse(px, 2, &price)) price = 0;
    AaExec x = {r->ctx->env->id, r->plan->strategy_id, r->asset, r->candles.ts[r->candles.n - 1], price,
                (int64_t)llround(r->st->fee_rate * 1e6),
                (int64_t)llround(threshold(r, "max_position", 0) * 1e6),
                !usable ? "failed" : degraded ? "degraded" : "completed",
                !usable ? "every weighted agent failed: no trade" : NULL, 0, 0, 0};
    exec_totals(r, &x);
    AaOutcome o;
    if (aa_store_record(web, &x, rows, nr, d, n_d, &o, err)) goto out;
    char sum[400];
    snprintf(sum, sizeof sum, "{\"status\":\"%s\",\"conviction\":%.2f,\"signal\":\"%s\",\"agents\":%d,"
             "\"llm\":\"%s\",\"executed\":%d,\"skipped\":%d,\"failed\":%d,\"tokens\":%ld,\"cost\":%.6f}",
             x.status, comb[0].conviction, combine_signal_name(comb[0].signal), nr,
             r->llm_configured ? "configured" : "not configured: local agents only", o.executed, o.skipped,
             o.failed, x.total_tokens, x.total_cost);
    r->ctx->result_json = strdup(sum);
    rc = 0;
out:
    json_decref(scores);
    free(d);
    free(comb);
    free(why);
    return rc;
}

static void run_clear(Run *r)
{
    aa_strategy_clear(&r->strat);
    aa_subs_free(r->subs, r->n_subs);
    history_series_free(&r->candles);
    json_decref(r->snapshot);
    for (int i = 0; i < r->n_agents; i++) json_decref(r->agents[i].input);
    aa_llm_calls_clear(r->calls, r->n_calls);
    for (int i = 0; i < r->n_calls; i++) free(r->prompts[i]);
}

int aa_run(JobCtx *ctx, const AaPlan *plan, const AaSettings *st, FarmErr *err)
{
    Run r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.plan = plan;
    r.st = st;
    Db *web = ctx->db(ctx, DB_WEBSITE, err), *hist = web ? ctx->db(ctx, DB_HISTORY, err) : NULL;
    if (!hist) return -1;
    int found = 0, rc = -1;
    int done = aa_store_committed(web, ctx->env->id, err);
    if (done < 0) return -1;
    if (done) {
        ctx->result_json = strdup("{\"status\":\"already recorded\"}");
        return 0;
    }
    if (aa_store_strategy(web, plan->strategy_id, &r.strat, &found, err)) goto out;
    if (!found || !r.strat.active) {
        err_set(err, SF_EINPUT, "agent_analysis: strategy %lld %s", plan->strategy_id,
                found ? "is not active" : "does not exist");
        goto out;
    }
    if (aa_store_subs(web, plan->strategy_id, &r.subs, &r.n_subs, err) || load_market(&r, hist, err))
        goto out;
    collect_agents(&r);
    if (ctx->progress(ctx, 10, "agents") < 0) { *err = ctx->stop; goto out; }
    if (run_agents(&r, err)) goto out;
    if (ctx->progress(ctx, 80, "records") < 0) { *err = ctx->stop; goto out; }
    rc = record(&r, web, err);
out:
    run_clear(&r);
    return rc;
}

/* The runner lives here, not beside the JobKind in aa_job.c: programs that
 * only plan jobs then never pull this file, and with it libcurl, in. */
static int aa_job_run(JobCtx *ctx, const void *plan, FarmErr *err)
{
    const AaSettings *st = config_kind_settings(ctx->cfg, "agent_analysis");
    if (!st) return err_set(err, SF_ECONFIG, "agent_analysis: settings not loaded");
    return aa_run(ctx, plan, st, err);
}

const JobRunner agent_analysis_runner = {.kind = &agent_analysis_kind, .run = aa_job_run};
