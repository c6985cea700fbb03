/* The backtest_request as a plan: where the strategy comes from. */
#define _GNU_SOURCE
#include "th.h"

#include <jansson.h>
#include <string.h>

#include "backtest/backtest_plan.h"

static BtPlan *plan_of(const char *parameters, const char *dsl)
{
    json_t *m = json_pack("{s:s, s:s, s:{s:i, s:s, s:o}}", "message_type", "backtest_request", "request_id", "r1",
                          "payload", "backtest_id", 7, "strategy_dsl", dsl, "parameters",
                          json_loads(parameters, 0, NULL));
    REQUIRE(m);
    BtPlan *pl = NULL;
    FarmErr err = {0};
    REQUIREF(bt_plan_parse(m, 0, &pl, &err) == 0, "%s", err.msg);
    json_decref(m);
    return pl;
}

#define P(extra) "{\"start_date\":\"2020-01-01\",\"end_date\":\"2020-12-31\",\"initial_capital\":1000," \
                 "\"symbols\":[\"ORCL\"]" extra "}"
#define C40 "0123456789abcdef0123456789abcdef01234567"

TEST(backtest_plan_a_repository_strategy_needs_a_path_inside_and_a_full_commit)
{
    BtPlan *pl = plan_of(P(",\"strategy_path\":\"s/a.dsl\",\"strategy_commit\":\"" C40 "\""), "");
    CHECK_INT(pl->fail_code, BT_OK);
    CHECK(pl->dsl == NULL);                           /* read by the run */
    CHECK_STR(pl->strategy_commit, C40);
    bt_plan_free(pl);
    /* the text wins when both are given; path and commit are kept for the run log */
    pl = plan_of(P(",\"strategy_path\":\"s/a.dsl\",\"strategy_commit\":\"" C40 "\""), "enter long when true");
    CHECK_INT(pl->fail_code, BT_OK);
    CHECK(pl->parsed && strcmp(pl->strategy_path, "s/a.dsl") == 0);
    bt_plan_free(pl);
    static const char *const bad[] = {
        P(",\"strategy_path\":\"s/a.dsl\""), P(",\"strategy_path\":\"s/a.dsl\",\"strategy_commit\":\"main\""),
        P(",\"strategy_path\":\"../a.dsl\",\"strategy_commit\":\"" C40 "\""),
        P(",\"strategy_path\":\"/etc/a.dsl\",\"strategy_commit\":\"" C40 "\""),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl = plan_of(bad[i], "");
        CHECKF(pl->fail_code == BT_INVALID_PARAMETERS, "%s: %d", bad[i], pl->fail_code);
        CHECK_CONTAINS(pl->fail_msg, "strategy_");
        bt_plan_free(pl);
    }
}
