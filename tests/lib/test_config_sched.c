/* Schedule validation in lib/config_yaml.c, pinned message by message: one
 * file whose every schedule breaks one rule (or a rule twice, as the
 * loader remembers what it already checked), and the exact text the load
 * reports for it: file, line, key and reason; and a file of valid
 * schedules read back field by field. */
#define _GNU_SOURCE
#include "th.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char BAD[] =
    "schedules:\n"
    "  - just a string\n"
    "  - [a, list]\n"
    "  - {name: k1, cron: \"@daily\", kind: noop, [x]: 1}\n"
    "  - {name: k2, cron: \"@daily\", kind: noop, kind: noop}\n"
    "  - {name: k3, cron: \"@daily\", kind: noop, password: x}\n"
    "  - {name: k4, cron: \"@daily\", kind: noop, timezon: UTC}\n"
    "  - {name: k5, cron: \"@daily\", kind: noop, zzzzzzzz: 1}\n"
    "  - {cron: \"@daily\", kind: noop}\n"
    "  - {name: \"Bad Name\", cron: \"@daily\", kind: noop}\n"
    "  - {name: [x], cron: \"@daily\", kind: noop}\n"
    "  - {name: ~, cron: \"@daily\", kind: noop}\n"
    "  - {name: k1, cron: \"@daily\", kind: noop}\n"
    "  - {name: good, cron: \"@daily\", kind: noop}\n"
    "  - {name: good, cron: \"@daily\", kind: noop}\n"
    "  - {name: f1, from: websit, kind: noop}\n"
    "  - {name: f2, from: website, cron: \"@daily\", fan_out: {symbols: [A]}, payload: {a: 1}}\n"
    "  - {name: c1, cron: \"61 * * * *\", kind: noop}\n"
    "  - {name: c2, cron: \"61 * * * *\", kind: noop}\n"
    "  - {name: c3, cron: {a: 1}, kind: noop}\n"
    "  - {name: c4, cron: \"*/5 * * * *\", kind: noop}\n"
    "  - {name: z1, cron: \"@daily\", kind: noop, timezone: Mars/Olympus}\n"
    "  - {name: z2, cron: \"@daily\", kind: noop, timezone: Mars/Olympus}\n"
    "  - {name: z3, cron: \"@daily\", kind: noop, timezone: Europe/Berlin}\n"
    "  - {name: z4, cron: \"@daily\", kind: noop, timezone: ../etc/passwd}\n"
    "  - {name: z5, cron: \"@daily\", kind: noop, timezone: \"\"}\n"
    "  - {name: n1, cron: \"@daily\", kind: nop}\n"
    "  - {name: n2, cron: \"@daily\", kind: qqqqqqqq}\n"
    "  - {name: n3, cron: \"@daily\", kind: sleep}\n"
    "  - {name: n4, cron: \"@daily\"}\n"
    "  - {name: l1, cron: \"@daily\", kind: noop, lane: fast}\n"
    "  - {name: m1, cron: \"@daily\", kind: noop, misfire: later}\n"
    "  - {name: m2, cron: \"@daily\", kind: noop, missing_dst: maybe}\n"
    "  - {name: m3, cron: \"@daily\", kind: noop, duplicate_dst: none}\n"
    "  - {name: u1, cron: \"@daily\", kind: noop, misfire: catch_up, catch_up: 0}\n"
    "  - {name: u2, cron: \"@daily\", kind: noop, catch_up: 3}\n"
    "  - {name: u3, cron: \"@daily\", kind: noop, misfire: catch_up, catch_up: 2, catch_up_window: 9y}\n"
    "  - {name: u4, cron: \"@daily\", kind: noop, misfire: catch_up}\n"
    "  - {name: u5, cron: \"@daily\", kind: noop, catch_up_window: 1h}\n"
    "  - {name: u6, cron: \"@daily\", kind: noop, misfire: catch_up, catch_up: 2, catch_up_window: 367d}\n"
    "  - {name: j1, cron: \"@daily\", kind: noop, jitter_s: 86401}\n"
    "  - {name: j2, cron: \"@daily\", kind: noop, jitter_s: x}\n"
    "  - {name: e1, cron: \"@daily\", kind: noop, enabled: maybe}\n"
    "  - {name: e2, cron: \"@daily\", kind: noop, enabled: ~}\n"
    "  - {name: o1, cron: \"@daily\", kind: noop, fan_out: [A]}\n"
    "  - {name: o2, cron: \"@daily\", kind: noop, fan_out: {symbol: [A]}}\n"
    "  - {name: o3, cron: \"@daily\", kind: noop, fan_out: {qqqqqqq: [A]}}\n"
    "  - {name: o4, cron: \"@daily\", kind: noop, fan_out: {symbols: A}}\n"
    "  - {name: o5, cron: \"@daily\", kind: noop, fan_out: {symbols: []}}\n"
    "  - {name: o6, cron: \"@daily\", kind: noop, fan_out: {symbols: [A, B, A]}}\n"
    "  - {name: o7, cron: \"@daily\", kind: noop, fan_out: {timeframes: [M1, 1m, X5, [a]]}}\n"
    "  - {name: o8, cron: \"@daily\", kind: noop, fan_out: {symbols: [A], symbols: [B]}}\n"
    "  - {name: p1, cron: \"@daily\", kind: noop, payload: 3}\n"
    "  - {name: p2, cron: \"@daily\", kind: noop, payload: {a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}\n"
    "  - {name: p3, cron: \"@daily\", kind: noop, payload: {[a]: 1}}\n"
    "  - {name: p4, cron: \"@daily\", kind: noop, payload: {a: {secret: 1}}}\n"
    "  - {name: p5, cron: \"@daily\", kind: noop, payload: {a: 1, a: 2}}\n"
    "  - &anc {name: p7, cron: \"@daily\", kind: noop}\n"
    "  - {name: p8, cron: \"@daily\", kind: noop, payload: {a: *anc}}\n"
    "  - {name: v1, cron: \"@daily\", kind: noop, name: v1}\n"
    "  - {name: v2, from: website, from: website}\n"
    "  - {name: v3, cron: \"@daily\", cron: \"@daily\", kind: noop}\n"
    "  - {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, cron: \"@daily\", kind: noop}\n"
    "  - {name: t1, cron: \"@daily\", kind: noop, fan_out: {timeframes: [1h]}, fan_out: {symbols: [A]}}\n";

static const char WANT[] =
    "bad.yaml:2: schedules[0]: expected a mapping with name, cron, kind..., got a scalar\n"
    "bad.yaml:3: schedules[1]: expected a mapping with name, cron, kind..., got a list\n"
    "bad.yaml:4: schedules[k1]: a key must be a name, not a list\n"
    "bad.yaml:5: schedules[k2].kind: duplicate key (first at line 5)\n"
    "bad.yaml:6: schedules[k3].password: secrets come from the environment only (STRATFARM_API_TOKEN, STRATFARM_LLM_API_KEY, STRATFARM_*_DSN, STRATFARM_REDIS_URL)\n"
    "bad.yaml:7: schedules[k4].timezon: unknown key (did you mean 'timezone'?)\n"
    "bad.yaml:8: schedules[k5].zzzzzzzz: unknown key\n"
    "bad.yaml:9: schedules[7]: missing name\n"
    "bad.yaml:10: schedules[8].name: 'Bad Name' must match [a-z0-9_-]+ (at most 64)\n"
    "bad.yaml:11: schedules[9].name: expected a string, got a list\n"
    "bad.yaml:12: schedules[10].name: expected a string, got nothing\n"
    "bad.yaml:15: schedules[good].name: duplicate schedule name (first at line 14)\n"
    "bad.yaml:16: schedules[f1].from: 'websit' is not a source (only: website)\n"
    "bad.yaml:16: schedules[f1]: missing cron\n"
    "bad.yaml:17: schedules[f2].cron: not allowed with from: website (each strategy's execution_config gives it)\n"
    "bad.yaml:17: schedules[f2].fan_out: not allowed with from: website (each strategy's execution_config gives it)\n"
    "bad.yaml:17: schedules[f2].payload: not allowed with from: website (each strategy's execution_config gives it)\n"
    "bad.yaml:18: schedules[c1].cron: minute: 61 is out of range 0-59\n"
    "bad.yaml:19: schedules[c2].cron: minute: 61 is out of range 0-59\n"
    "bad.yaml:20: schedules[c3].cron: expected a string, got a mapping\n"
    "bad.yaml:22: schedules[z1].timezone: unknown time zone 'Mars/Olympus'\n"
    "bad.yaml:23: schedules[z2].timezone: unknown time zone 'Mars/Olympus'\n"
    "bad.yaml:25: schedules[z4].timezone: unknown time zone '../etc/passwd'\n"
    "bad.yaml:26: schedules[z5].timezone: unknown time zone ''\n"
    "bad.yaml:27: schedules[n1].kind: unknown kind 'nop' (did you mean 'noop'?)\n"
    "bad.yaml:28: schedules[n2].kind: unknown kind 'qqqqqqqq' (indicators, fvg_scan, agent_analysis, backtest, noop)\n"
    "bad.yaml:30: schedules[n4]: missing kind\n"
    "bad.yaml:31: schedules[l1].lane: \"fast\" is not one of batch | interactive\n"
    "bad.yaml:32: schedules[m1].misfire: \"later\" is not one of run_once | skip | catch_up\n"
    "bad.yaml:33: schedules[m2].missing_dst: \"maybe\" is not one of shift | skip\n"
    "bad.yaml:34: schedules[m3].duplicate_dst: \"none\" is not one of first | last | both\n"
    "bad.yaml:35: schedules[u1].catch_up: expected a whole number in 1..1000000, got \"0\"\n"
    "bad.yaml:36: schedules[u2].catch_up: catch_up and catch_up_window need misfire: catch_up\n"
    "bad.yaml:37: schedules[u3].catch_up_window: expected a duration such as 3600, 90s, 30m, 6h or 7d (at most 366d), got \"9y\"\n"
    "bad.yaml:38: schedules[u4].catch_up: misfire: catch_up needs catch_up: N (most fires)\n"
    "bad.yaml:39: schedules[u5].catch_up: catch_up and catch_up_window need misfire: catch_up\n"
    "bad.yaml:40: schedules[u6].catch_up_window: expected a duration such as 3600, 90s, 30m, 6h or 7d (at most 366d), got \"367d\"\n"
    "bad.yaml:41: schedules[j1].jitter_s: expected a whole number in 0..86400, got \"86401\"\n"
    "bad.yaml:42: schedules[j2].jitter_s: expected a whole number in 0..86400, got \"x\"\n"
    "bad.yaml:43: schedules[e1].enabled: expected true or false, got \"maybe\"\n"
    "bad.yaml:44: schedules[e2].enabled: expected a string, got nothing\n"
    "bad.yaml:45: schedules[o1].fan_out: expected a mapping {symbols: [...], timeframes: [...]}, got a list\n"
    "bad.yaml:46: schedules[o2].fan_out: unknown key 'symbol' (did you mean 'symbols'?)\n"
    "bad.yaml:47: schedules[o3].fan_out: unknown key 'qqqqqqq' (symbols, timeframes)\n"
    "bad.yaml:48: schedules[o4].fan_out.symbols: expected a list, got a scalar\n"
    "bad.yaml:49: schedules[o5].fan_out.symbols: the list must not be empty\n"
    "bad.yaml:50: schedules[o6].fan_out.symbols: 'A' is listed twice\n"
    "bad.yaml:51: schedules[o7].fan_out.timeframes: 'M1' is listed twice\n"
    "bad.yaml:51: schedules[o7].fan_out.timeframes: 'X5' is not a timeframe (M1 M5 M15 H1 H4 D1, or 1m 5m 15m 1h 4h 1d)\n"
    "bad.yaml:51: schedules[o7].fan_out.timeframes: expected a string, got a list\n"
    "bad.yaml:52: schedules[o8].symbols: duplicate key (first at line 52)\n"
    "bad.yaml:53: schedules[p1].payload: expected a mapping, got a scalar\n"
    "bad.yaml:54: schedules[p2].payload: nested too deeply\n"
    "bad.yaml:55: schedules[p3]: a key must be a name, not a list\n"
    "bad.yaml:56: schedules[p4].secret: secrets come from the environment only (STRATFARM_API_TOKEN, STRATFARM_LLM_API_KEY, STRATFARM_*_DSN, STRATFARM_REDIS_URL)\n"
    "bad.yaml:57: schedules[p5].a: duplicate key (first at line 57)\n"
    "bad.yaml:60: schedules[v1].name: duplicate key (first at line 60)\n"
    "bad.yaml:61: schedules[v2].from: duplicate key (first at line 61)\n"
    "bad.yaml:62: schedules[v3].cron: duplicate key (first at line 62)\n"
    "bad.yaml:63: schedules[61].name: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' must match [a-z0-9_-]+ (at most 64)\n"
    "bad.yaml:64: schedules[t1].fan_out: duplicate key (first at line 64)\n"
    "bad.yaml:29: schedules[n3].kind: kind 'sleep' is for tests; it needs worker.test_kinds: true\n";

TEST(config_schedule_errors_name_file_line_and_key_exactly)
{
    FILE *f = fopen("bad.yaml", "w");
    REQUIRE(f != NULL);
    fputs(BAD, f);
    fclose(f);
    Config *c = NULL;
    char *errs = NULL;
    CHECK_INT(registry_config_load_all("bad.yaml", &c, &errs), -1);
    CHECK(c == NULL);
    REQUIRE(errs != NULL);
    /* Line by line, so a difference names its line. */
    const char *a = errs, *b = WANT;
    int line = 1;
    while (*a || *b) {
        size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");
        CHECKF(na == nb && memcmp(a, b, na) == 0, "error %d: \"%.*s\" != \"%.*s\"", line,
               (int)na, a, (int)nb, b);
        a += na + (a[na] == '\n');
        b += nb + (b[nb] == '\n');
        line++;
    }
    free(errs);
}

static const char GOOD[] =
    "worker: {test_kinds: true}\n"
    "schedules:\n"
    "  - {name: a, cron: \"*/5 * * * *\", kind: noop}\n"
    "  - {name: b, cron: \"30 17 * * 1-5\", timezone: America/New_York, kind: sleep, lane: interactive, misfire: catch_up, catch_up: 3, catch_up_window: 6h, jitter_s: 30, missing_dst: skip, duplicate_dst: both, enabled: false}\n"
    "  - name: c\n"
    "    cron: \"30 17 * * 1-5\"\n"
    "    timezone: America/New_York\n"
    "    kind: fvg_scan\n"
    "    fan_out: {symbols: [NQ, ES], timeframes: [1m, h1, D1]}\n"
    "    payload: {max_lookback: 40, zeta: [1, 2.5, \"x\", null, true, ~, \"true\", 1e3, -7, 0x10], alpha: {b: 1, a: \"\\u00e9\"}, e: \"\", f: }\n"
    "  - &x {name: d, cron: \"@hourly\", kind: noop, misfire: catch_up, catch_up: 2, catch_up_window: 90s}\n"
    "  - {name: e, cron: \"0 0 1 * *\", timezone: UTC, kind: noop, payload: {nested: {deep: [[1], {k: v}]}}, misfire: catch_up, catch_up: 1000000, catch_up_window: 366d}\n"
    "  - {name: f, from: website, kind: noop, timezone: Asia/Tokyo, misfire: skip}\n"
    "  - {name: g, from: website}\n"
    "  - {name: h-1_x, cron: \"45 2 * * 0\", timezone: Europe/Berlin, kind: noop, payload: {max_lookback: 40}}\n"
    "  - {name: i, cron: \"45 2 * * 0\", timezone: Europe/Berlin, kind: noop, payload: {max_lookback: 40}, lane: batch, misfire: run_once, missing_dst: shift, duplicate_dst: first, enabled: yes}\n";

/* What config_dump writes for them (every field of every schedule). */
static const char GOOD_DUMP[] =
    "schedules:\n"
    "  - name: \"a\"\n"
    "    cron: \"*/5 * * * *\"\n"
    "    timezone: \"UTC\"\n"
    "    kind: noop\n"
    "    lane: batch\n"
    "    payload: {}\n"
    "    misfire: run_once\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n"
    "  - name: \"b\"\n"
    "    cron: \"30 17 * * 1-5\"\n"
    "    timezone: \"America/New_York\"\n"
    "    kind: sleep\n"
    "    lane: interactive\n"
    "    payload: {}\n"
    "    misfire: catch_up\n"
    "    catch_up: 3\n"
    "    catch_up_window: 21600\n"
    "    jitter_s: 30\n"
    "    missing_dst: skip\n"
    "    duplicate_dst: both\n"
    "    enabled: false\n"
    "  - name: \"c\"\n"
    "    cron: \"30 17 * * 1-5\"\n"
    "    timezone: \"America/New_York\"\n"
    "    kind: fvg_scan\n"
    "    lane: batch\n"
    "    fan_out: {symbols: [\"NQ\", \"ES\"], timeframes: [M1, H1, D1]}\n"
    "    payload: {\"max_lookback\":40,\"zeta\":[1,2.5,\"x\",null,true,null,\"true\",1000.0,-7,\"0x10\"],\"alpha\":{\"b\":1,\"a\":\"é\"},\"e\":\"\",\"f\":null}\n"
    "    misfire: run_once\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n"
    "  - name: \"d\"\n"
    "    cron: \"@hourly\"\n"
    "    timezone: \"UTC\"\n"
    "    kind: noop\n"
    "    lane: batch\n"
    "    payload: {}\n"
    "    misfire: catch_up\n"
    "    catch_up: 2\n"
    "    catch_up_window: 90\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n"
    "  - name: \"e\"\n"
    "    cron: \"0 0 1 * *\"\n"
    "    timezone: \"UTC\"\n"
    "    kind: noop\n"
    "    lane: batch\n"
    "    payload: {\"nested\":{\"deep\":[[1],{\"k\":\"v\"}]}}\n"
    "    misfire: catch_up\n"
    "    catch_up: 1000000\n"
    "    catch_up_window: 31622400\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n"
    "  - name: \"f\"\n"
    "    from: website\n"
    "    timezone: \"Asia/Tokyo\"\n"
    "    kind: noop\n"
    "    lane: batch\n"
    "    misfire: skip\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n"
    "  - name: \"g\"\n"
    "    from: website\n"
    "    timezone: \"UTC\"\n"
    "    lane: batch\n"
    "    misfire: run_once\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n"
    "  - name: \"h-1_x\"\n"
    "    cron: \"45 2 * * 0\"\n"
    "    timezone: \"Europe/Berlin\"\n"
    "    kind: noop\n"
    "    lane: batch\n"
    "    payload: {\"max_lookback\":40}\n"
    "    misfire: run_once\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n"
    "  - name: \"i\"\n"
    "    cron: \"45 2 * * 0\"\n"
    "    timezone: \"Europe/Berlin\"\n"
    "    kind: noop\n"
    "    lane: batch\n"
    "    payload: {\"max_lookback\":40}\n"
    "    misfire: run_once\n"
    "    jitter_s: 0\n"
    "    missing_dst: shift\n"
    "    duplicate_dst: first\n"
    "    enabled: true\n";

TEST(config_schedules_read_as_written)
{
    FILE *f = fopen("good.yaml", "w");
    REQUIRE(f != NULL);
    fputs(GOOD, f);
    fclose(f);
    Config *c = NULL;
    FarmErr err = {0};
    REQUIRE(registry_config_load("good.yaml", &c, &err) == 0);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    REQUIRE(m && config_dump(c, m) == 0);
    fclose(m);
    const char *s = strstr(text, "\nschedules:\n");
    REQUIRE(s != NULL);
    CHECK_STR(s + 1, GOOD_DUMP);
    CHECK_INT(c->n_schedules, 9);
    CHECK_INT(c->schedules[3].line, 11);
    CHECK_INT(c->schedules[2].cron.dow, 0x3e);
    CHECK(c->schedules[6].kind == NULL);   /* from: website without kind: agent_analysis */
    CHECK(c->schedules[6].payload_json == NULL);
    free(text);
    config_free(c);
}
