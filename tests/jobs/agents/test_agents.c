/* The agents' pure parts: the ta rule, the combination (weights,
 * renormalisation, thresholds), exact paper-trade arithmetic; and the
 * answer parser (fences, types, ranges, lengths). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent_analysis/aa_answer.h"
#include "agents/combine.h"
#include "agents/paper.h"
#include "agents/ta_agent.h"
#include "th.h"

TEST(agents_ta_rule_follows_its_documented_formula)
{
    double close[300], work[1200];
    for (int i = 0; i < 300; i++) close[i] = 100 + i * 0.2 + 3 * sin(i / 5.0);   /* a rising series */
    TaAgentResult r;
    REQUIRE(ta_agent_score(close, 300, work, &r) == 0);
    CHECK(r.trend > 0);
    CHECK_NEAR(r.trend, fmin(1, fmax(-1, (r.sma20 / r.sma50 - 1) * 20)), 1e-12);
    CHECK_NEAR(r.reversion, fmin(1, fmax(-1, 1 - 2 * r.pct_b)), 1e-12);
    CHECK_NEAR(r.score, 0.4 * r.trend + 0.35 * r.momentum + 0.25 * r.reversion, 1e-12);
    CHECK(r.confidence > 0 && r.confidence <= 1);
    CHECK(ta_agent_score(close, 59, work, &r) == -1);          /* too few bars */
    for (int i = 0; i < 300; i++) close[i] = 300 - i * 0.5;    /* falling: bearish trend */
    REQUIRE(ta_agent_score(close, 300, work, &r) == 0);
    CHECK(r.trend < 0 && r.score < 0);
}

TEST(agents_combination_renormalises_without_failed_agents_and_applies_thresholds)
{
    CombineAgent a[3] = {{"ta", 1, 0.5, 1.0, 0.2}, {"macro", 1, 0.9, 1.0, 0.4}, {"onchain", 0, 0, 0, 0.4}};
    Combined c;
    combine_agents(a, 3, 65, 35, &c);
    CHECK(c.degraded);
    CHECK(c.usable);
    CHECK_NEAR(c.used_weight[0], 1.0 / 3, 1e-12);   /* 0.2 / 0.6 */
    CHECK_NEAR(c.used_weight[1], 2.0 / 3, 1e-12);
    CHECK_NEAR(c.used_weight[2], 0, 0);
    /* S = (1/3*0.5 + 2/3*0.9) = 0.7667 -> conviction 88.33 */
    CHECK_NEAR(c.conviction, 88.33, 1e-9);
    CHECK_INT(c.signal, SIGNAL_BUY);
    /* Confidence weighs too: a confident bear outweighs a shy bull. */
    CombineAgent b[2] = {{"ta", 1, 1.0, 0.1, 0.5}, {"macro", 1, -0.6, 0.9, 0.5}};
    combine_agents(b, 2, 65, 35, &c);
    CHECK_NEAR(c.conviction, round(50 * (1 + (0.05 * 1.0 + 0.45 * -0.6) / 0.5) * 100) / 100, 1e-9);
    CHECK_INT(c.signal, SIGNAL_SELL);
    CHECK(!c.degraded);
    combine_agents(b, 2, 99, 1, &c);
    CHECK_INT(c.signal, SIGNAL_HOLD);
    CombineAgent none[1] = {{"macro", 0, 0, 0, 1}};
    combine_agents(none, 1, 65, 35, &c);
    CHECK(!c.usable);
    CHECK_INT(c.signal, SIGNAL_HOLD);
}

TEST(agents_paper_trades_are_exact_to_the_cent_and_the_unit)
{
    int64_t v;
    REQUIRE(paper_parse("10000.00", 2, &v) == 0 && v == 1000000);
    REQUIRE(paper_parse("22.43", 2, &v) == 0 && v == 2243);
    CHECK(paper_parse("1.005", 2, &v) == -1);                 /* never rounds silently */
    REQUIRE(paper_parse("0.12345678", 8, &v) == 0 && v == 12345678);
    char t[32];
    paper_format(-12345, 2, t);
    CHECK_STR(t, "-123.45");
    paper_format(5, 8, t);
    CHECK_STR(t, "0.00000005");
    /* 10,000.00 cash, 5,000.00 allocated, price 22.43, fee 0.1%. */
    PaperBook b = {1000000, 0, 0, 0};
    PaperTrade tr;
    paper_buy(&b, 2243, 1000, 500000, 0, &tr);
    REQUIRE(tr.ok);
    /* q = floor(5000 / (22.43 * 1.001)) in 1e-8 (Python's decimal, 50 digits): 222.69304480 */
    CHECK_INT(tr.qty_units, 22269304480LL);
    CHECK_INT(tr.value_cents, 499500);                      /* 222.69304480 * 22.43 = 4994.9999... */
    CHECK_INT(tr.fee_cents, 500);                           /* 4.995 -> 5.00 */
    CHECK(tr.value_cents + tr.fee_cents <= 500000);
    CHECK_INT(b.cash_cents, 1000000 - 499500 - 500);
    CHECK_INT(b.cost_cents, 500000);
    CHECK_INT(paper_avg_cost(&b), 2245);                    /* 5000 / 222.69304480 = 22.4524... */
    /* Sell it all at 25.00. */
    paper_sell(&b, 2500, 1000, &tr);
    REQUIRE(tr.ok);
    CHECK_INT(tr.value_cents, 556733);                      /* 5567.326120 */
    CHECK_INT(tr.fee_cents, 557);                           /* 5.567... */
    CHECK_INT(tr.realized_cents, 56176);                    /* 5567.33 - 5.57 - 5000.00 */
    CHECK_INT(b.qty_units, 0);
    CHECK_INT(b.cash_cents, 500000 + 556733 - 557);
    paper_sell(&b, 2500, 1000, &tr);
    CHECK(!tr.ok);
    CHECK_CONTAINS(tr.why, "SELL with no holding");
    /* max_position: at most 10% of a 10,000 portfolio in the asset. */
    PaperBook c = {1000000, 0, 0, 0};
    paper_buy(&c, 10000, 0, 1000000, 100000, &tr);
    REQUIRE(tr.ok);
    CHECK_INT(tr.value_cents, 100000);
    paper_buy(&c, 10000, 0, 1000000, 100000, &tr);
    CHECK(!tr.ok);
    CHECK_CONTAINS(tr.why, "max_position");
    PaperBook empty = {0, 0, 0, 0};
    paper_buy(&empty, 10000, 1000, 1000000, 0, &tr);
    CHECK(!tr.ok);
    CHECK_CONTAINS(tr.why, "BUY without cash");
}

static const char *body(const char *content, char *buf, size_t cap)
{
    json_t *j = json_pack("{s:s,s:[{s:{s:s}}],s:{s:i,s:i}}", "model", "m", "choices", "message",
                          "content", content, "usage", "prompt_tokens", 10, "completion_tokens", 5);
    char *t = json_dumps(j, JSON_COMPACT);
    snprintf(buf, cap, "%s", t);
    free(t);
    json_decref(j);
    return buf;
}

TEST(agents_answers_are_validated_and_fences_unwrapped)
{
    char b[8192];
    AaAnswer a;
    FarmErr err = {0};
    body("```json\n{\"score\": 0.4, \"confidence\": 0.7, \"reasoning\": \"r\", \"signals\": [\"x\"]}\n```", b, sizeof b);
    REQUIRE(aa_answer_parse(b, strlen(b), &a, &err) == 0);
    CHECK_NEAR(a.score, 0.4, 0);
    CHECK_INT(a.prompt_tokens + a.completion_tokens, 15);
    aa_answer_clear(&a);
    static const struct { const char *content, *why; } bad[] = {
        {"not json", "content is not JSON"},
        {"{\"score\": 2, \"confidence\": 0.5, \"reasoning\": \"r\"}", "score: 2 is outside"},
        {"{\"score\": 0.1, \"confidence\": -0.1, \"reasoning\": \"r\"}", "confidence"},
        {"{\"score\": \"high\", \"confidence\": 0.5, \"reasoning\": \"r\"}", "score: expected a number"},
        {"{\"score\": 0.1, \"confidence\": 0.5}", "reasoning: expected a string"},
        {"{\"score\": 0.1, \"confidence\": 0.5, \"reasoning\": \"r\", \"signals\": 3}", "signals"},
        {"[1, 2]", "expected a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        body(bad[i].content, b, sizeof b);
        CHECKF(aa_answer_parse(b, strlen(b), &a, &err) == -1, "%s", bad[i].content);
        CHECK_CONTAINS(err.msg, bad[i].why);
        CHECK_INT(a.prompt_tokens, 10);       /* spent even when refused */
        aa_answer_clear(&a);
    }
    char longr[AA_REASONING_MAX + 64];
    memset(longr, 'x', sizeof longr - 1);
    longr[sizeof longr - 1] = '\0';
    char content[sizeof longr + 100];
    snprintf(content, sizeof content, "{\"score\": 0, \"confidence\": 0, \"reasoning\": \"%s\"}", longr);
    body(content, b, sizeof b);
    CHECK(aa_answer_parse(b, strlen(b), &a, &err) == -1);
    CHECK_CONTAINS(err.msg, "at most 4000");
    aa_answer_clear(&a);
    CHECK(aa_answer_parse("{}", 2, &a, &err) == -1);
    CHECK_CONTAINS(err.msg, "no choices");
}
