/* The schedule table (scheduler/sched_set.c): the definition digest is the
 * one Redis holds (sf:sched:<name> "def", the change detection across
 * reloads and restarts), so its value is pinned here; equal definitions
 * give equal digests, any changed field another one; entries built from a
 * config carry its strings and payloads. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry.h"
#include "sched_set.h"
#include "th.h"
#include "th_farm.h"

static const char YAML[] =
    "schedules:\n"
    "  - {name: a, cron: \"*/5 * * * *\", kind: noop}\n"
    "  - {name: b, cron: \"30 17 * * 1-5\", timezone: America/New_York, kind: noop,\n"
    "     lane: interactive, misfire: catch_up, catch_up: 3, catch_up_window: 6h,\n"
    "     jitter_s: 30, missing_dst: skip, duplicate_dst: both}\n"
    "  - name: c\n"
    "    cron: \"0 9 * * *\"\n"
    "    timezone: Europe/Berlin\n"
    "    kind: fvg_scan\n"
    "    fan_out: {symbols: [NQ, ES], timeframes: [1m, H1]}\n"
    "    payload: {max_lookback: 40, zeta: [1, 2.5, \"x\", null, true], alpha: {b: 1, a: \"\\u00e9\"}}\n"
    "  - {name: d, cron: \"0 9 * * *\", timezone: Europe/Berlin, kind: fvg_scan,\n"
    "     fan_out: {symbols: [NQ, ES], timeframes: [1m, H1]},\n"
    "     payload: {zeta: [1, 2.5, \"x\", null, true], alpha: {a: \"\\u00e9\", b: 1}, max_lookback: 40}}\n"
    "  - {name: e, cron: \"0 9 * * *\", timezone: Europe/Berlin, kind: fvg_scan, enabled: false,\n"
    "     payload: {max_lookback: 40}}\n"
    "  - {name: w, from: website, kind: noop}\n";

static SchedSet load_set(const char *yaml, Config **cfg)
{
    FarmErr err = {0};
    SchedSet s = {0};
    th_write("sf.yaml", yaml);
    REQUIREF(registry_config_load("sf.yaml", cfg, &err) == 0, "%s", err.msg);
    REQUIREF(sched_set_add_config(&s, *cfg, &err) == 0, "%s", err.msg);
    return s;
}

TEST(sched_set_digest_is_the_one_redis_holds)
{
    Config *cfg = NULL;
    SchedSet s = load_set(YAML, &cfg);
    REQUIRE(s.n == 5);   /* the from: website entry is not the config's to add */
    /* Computed by the code that wrote the digests now in Redis; a change
     * here re-registers every schedule as changed at the next start. */
    CHECK_STR(sched_set_find(&s, "a")->def, "88428e146bc12983");
    CHECK_STR(sched_set_find(&s, "b")->def, "c81bbdb07ef7e88d");
    CHECK_STR(sched_set_find(&s, "c")->def, "ec6b9399a6890b64");
    CHECK_STR(sched_set_find(&s, "e")->def, "fdc6a1ecb1f69175");
    /* The payload's key order does not matter; enabled is not part of it. */
    CHECK_STR(sched_set_find(&s, "d")->def, sched_set_find(&s, "c")->def);
    /* Built from parts (the website's and the fan-out bench's way). */
    char *syms[] = {"S1", "S2"}, *tfs[] = {"M5"};
    SchedEntry p = {.name = "web:7", .cron_expr = "15 */2 * * *", .zone = "Asia/Kathmandu",
                    .kind = "agent_analysis", .lane = LANE_BATCH, .misfire = CONFIG_MISFIRE_SKIP,
                    .origin = "website", .strategy_id = 7, .strategy_path = "x/y.dsl", .enabled = 1};
    FarmErr err = {0};
    REQUIRE(cron_parse(p.cron_expr, &p.cron, NULL, 0) == 0);
    REQUIRE(sched_set_add(&s, &p, &err) == 0);
    p.name = "web:-9223372036854775808";
    p.strategy_id = -9223372036854775807LL - 1;
    p.strategy_path = NULL;
    p.symbols = syms;
    p.n_symbols = 2;
    p.timeframes = tfs;
    p.n_timeframes = 1;
    p.catch_up = -1;
    p.payload = json_pack("{s:i,s:[s,s]}", "k", 2, "l", "x", "y");
    REQUIRE(sched_set_add(&s, &p, &err) == 0);
    json_decref(p.payload);
    CHECK_STR(sched_set_find(&s, "web:7")->def, "d7b6119f96c4ea89");
    CHECK_STR(sched_set_find(&s, "web:-9223372036854775808")->def, "be0bb51026d55f7d");
    sched_set_clear(&s);
    config_free(cfg);
}

/* One field changed at a time: each gives another digest. */
TEST(sched_set_digest_changes_with_every_field_of_the_definition)
{
    static const char *const variants[] = {
        "{name: x, cron: \"0 9 * * *\", kind: noop}",
        "{name: x, cron: \"0 10 * * *\", kind: noop}",
        "{name: x, cron: \"0 9 * * *\", kind: fvg_scan}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, timezone: Asia/Tokyo}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, lane: interactive}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, misfire: skip}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, misfire: catch_up, catch_up: 2}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, misfire: catch_up, catch_up: 3}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, misfire: catch_up, catch_up: 3, catch_up_window: 1h}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, jitter_s: 5}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, missing_dst: skip}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, duplicate_dst: last}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, fan_out: {symbols: [NQ]}}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, fan_out: {symbols: [NQ, ES]}}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, fan_out: {timeframes: [M1]}}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, payload: {a: 1}}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, payload: {a: \"1\"}}",
        "{name: x, cron: \"0 9 * * *\", kind: noop, payload: {a: 1, b: 2}}",
    };
    size_t n = sizeof variants / sizeof variants[0];
    char defs[sizeof variants / sizeof variants[0]][17];
    for (size_t i = 0; i < n; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml, "schedules:\n  - %s\n", variants[i]);
        Config *cfg = NULL;
        SchedSet s = load_set(yaml, &cfg);
        REQUIRE(s.n == 1);
        memcpy(defs[i], s.e[0].def, sizeof defs[i]);
        for (size_t j = 0; j < i; j++)
            CHECKF(strcmp(defs[i], defs[j]) != 0, "%s and %s: same digest", variants[i], variants[j]);
        sched_set_clear(&s);
        config_free(cfg);
    }
}

/* The entries carry what the config says; equal payloads may be one value
 * (never changed in place: a fire copies it), each entry its own name. */
TEST(sched_set_entries_from_a_config_carry_its_definition)
{
    Config *cfg = NULL;
    SchedSet s = load_set(YAML, &cfg);
    SchedEntry *b = sched_set_find(&s, "b"), *c = sched_set_find(&s, "c"), *e = sched_set_find(&s, "e");
    REQUIRE(b && c && e);
    CHECK_STR(b->cron_expr, "30 17 * * 1-5");
    CHECK_STR(b->zone, "America/New_York");
    CHECK_STR(b->kind, "noop");
    CHECK_INT(b->lane, LANE_INTERACTIVE);
    CHECK_INT(b->misfire, CONFIG_MISFIRE_CATCH_UP);
    CHECK_INT(b->catch_up, 3);
    CHECK_INT(b->catch_up_window_s, 6 * 3600);
    CHECK_INT(b->jitter_s, 30);
    CHECK_INT(b->missing, CONFIG_MISSING_SKIP);
    CHECK_INT(b->duplicate, CONFIG_DUPLICATE_BOTH);
    CHECK_STR(b->origin, "config");
    CHECK_INT(json_object_size(b->payload), 0);
    CHECK_STR(sched_set_find(&s, "a")->zone, "UTC");
    CHECK_INT(c->n_symbols, 2);
    CHECK_STR(c->symbols[1], "ES");
    CHECK_INT(c->n_timeframes, 2);
    CHECK_STR(c->timeframes[0], "M1");
    json_t *want = json_loads("{\"max_lookback\":40,\"zeta\":[1,2.5,\"x\",null,true],"
                              "\"alpha\":{\"b\":1,\"a\":\"\\u00e9\"}}", 0, NULL);
    CHECK(json_equal(c->payload, want));
    json_decref(want);
    CHECK_INT(json_integer_value(json_object_get(e->payload, "max_lookback")), 40);
    CHECK_INT(e->enabled, 0);
    CHECK_INT(e->n_symbols, 0);
    for (size_t i = 0; i < s.n; i++)
        for (size_t j = 0; j < i; j++) CHECK(s.e[i].name != s.e[j].name);
    sched_set_clear(&s);
    config_free(cfg);
}
