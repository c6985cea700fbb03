#define _GNU_SOURCE
#include "th.h"

#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "rds.h"
#include "uuid7.h"

TEST(envelope_round_trips_through_json)
{
    Envelope e = {0};
    uuid7_new(e.id);
    snprintf(e.kind, sizeof e.kind, "fvg_scan");
    e.lane = LANE_BATCH;
    e.attempt = 2;
    e.max_attempts = 5;
    e.enqueued_at_ms = 1795598021175LL;
    e.timeout_s = 600;
    snprintf(e.dedupe_key, sizeof e.dedupe_key, "schedule:nightly-fvg:2026-11-21T22:30:00Z:MNQ:M1");
    snprintf(e.source, sizeof e.source, "schedule:nightly-fvg");
    e.payload = json_pack("{s:s,s:i,s:s}", "symbol", "MNQ", "max_lookback", 40, "note", "quote \" and \\ and \n");
    char *text = envelope_dump(&e);
    REQUIRE(text != NULL);
    CHECK_CONTAINS(text, "\"enqueued_at\":\"2026-11-25T09:13:41.175Z\"");
    Envelope back;
    FarmErr err = {0};
    REQUIREF(envelope_parse(text, strlen(text), &back, &err) == 0, "%s", err.msg);
    CHECK_STR(back.id, e.id);
    CHECK_STR(back.kind, "fvg_scan");
    CHECK_INT(back.lane, LANE_BATCH);
    CHECK_INT(back.attempt, 2);
    CHECK_INT(back.enqueued_at_ms, e.enqueued_at_ms);
    CHECK_STR(back.dedupe_key, e.dedupe_key);
    CHECK(json_equal(back.payload, e.payload));
    free(text);
    envelope_clear(&back);
    envelope_clear(&e);
}

/* A valid envelope as a JSON object, for tests that change one field. */
static json_t *good_object(void)
{
    return json_pack("{s:s,s:s,s:s,s:i,s:i,s:s,s:i,s:s,s:{s:s,s:s}}", "id",
                     "0193f1c2-7a4e-7c3b-9d2f-5b8e0a1c2d3e", "kind", "fvg_scan", "lane", "batch", "attempt", 1,
                     "max_attempts", 5, "enqueued_at", "2026-11-21T22:30:00.123Z", "timeout_s", 600, "source",
                     "cli", "payload", "symbol", "NQ", "timeframe", "M1");
}

/* Parses o's text; returns the parse result, err filled. */
static int parse_obj(json_t *o, FarmErr *err)
{
    char *text = json_dumps(o, JSON_COMPACT);
    Envelope e;
    int rc = envelope_parse(text, strlen(text), &e, err);
    if (rc == 0) envelope_clear(&e);
    free(text);
    json_decref(o);
    return rc;
}

TEST(envelope_rejects_what_can_never_run_with_the_field_named)
{
    static const struct { const char *text, *msg; } bad[] = {
        {"{not json", "not JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"kind\":\"noop\",\"lane\":\"batch\"}", "envelope: id: missing"},
        {"{\"id\":\"xyz\",\"kind\":\"noop\",\"lane\":\"batch\"}", "envelope: id: not a UUID"},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"lane\":\"batch\"}", "envelope: kind: missing"},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"kind\":\"noop\",\"lane\":\"fast\"}", "envelope: lane:"},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"id\":\"0193f1c2-0000-7000-8000-000000000001\",\"kind\":\"noop\",\"lane\":\"batch\"}", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Envelope e;
        FarmErr err = {0};
        CHECKF(envelope_parse(bad[i].text, strlen(bad[i].text), &e, &err) == -1, "%s", bad[i].text);
        CHECK_INT(err.code, SF_EINPUT);
        CHECK_CONTAINS(err.msg, bad[i].msg);
    }
}

/* Issue 24: no field gets a silent default any more; each missing one is
 * named (a missing payload says payload, not a payload key). */
TEST(envelope_requires_every_field_but_dedupe_key_and_names_the_missing_one)
{
    static const char *const required[] = {"id", "kind", "lane", "attempt", "max_attempts", "enqueued_at",
                                           "timeout_s", "source", "payload"};
    FarmErr err = {0};
    REQUIREF(parse_obj(good_object(), &err) == 0, "%s", err.msg);
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        json_t *o = good_object();
        json_object_del(o, required[i]);
        char want[64];
        snprintf(want, sizeof want, "envelope: %s: missing", required[i]);
        CHECKF(parse_obj(o, &err) == -1, "%s", required[i]);
        CHECK_CONTAINS(err.msg, want);
        CHECK_INT(err.code, SF_EINPUT);
    }
}

TEST(envelope_ranges_and_types_are_refused_with_the_field_named)
{
    static const struct { const char *field, *json, *msg; } bad[] = {
        {"attempt", "0", "attempt: must be an integer in 1..max_attempts (5), got 0"},
        {"attempt", "6", "attempt: must be an integer in 1..max_attempts (5), got 6"},
        {"attempt", "\"1\"", "attempt: must be an integer"},
        {"attempt", "1.0", "attempt: must be an integer"},
        {"max_attempts", "0", "max_attempts: must be an integer in 1..1000, got 0"},
        {"max_attempts", "1001", "max_attempts: must be an integer in 1..1000"},
        {"timeout_s", "0", "timeout_s: must be an integer in 1..604800, got 0"},
        {"timeout_s", "604801", "timeout_s: must be an integer in 1..604800"},
        {"timeout_s", "-5", "timeout_s:"},
        {"enqueued_at", "\"2026-11-21 22:30:00\"", "enqueued_at: not an RFC 3339 UTC time"},
        {"enqueued_at", "\"2026-11-21T22:30:00+01:00\"", "enqueued_at: not an RFC 3339 UTC time"},
        {"enqueued_at", "\"2026-02-30T22:30:00Z\"", "enqueued_at: not an RFC 3339 UTC time"},
        {"enqueued_at", "\"2026-11-21T22:30:00.Z\"", "enqueued_at: not an RFC 3339 UTC time"},
        {"enqueued_at", "1795598021", "enqueued_at: not an RFC 3339 UTC time"},
        {"kind", "\"Fvg-Scan\"", "kind: not a kind name"},
        {"kind", "\"a_kind_name_that_is_far_too_long_x\"", "kind: longer than 31 bytes"},
        {"lane", "null", "lane: must be"},
        {"source", "\"\"", "source: missing (empty)"},
        {"source", "7", "source: must be a string"},
        {"dedupe_key", "\"\"", "dedupe_key: empty"},
        {"dedupe_key", "null", "dedupe_key: must be a string"},
        {"payload", "[]", "payload: must be an object"},
        {"payload", "null", "payload: must be an object"},
        {"colour", "\"red\"", "envelope: colour: unknown field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = good_object();
        json_object_set_new(o, bad[i].field, json_loads(bad[i].json, JSON_DECODE_ANY, NULL));
        FarmErr err = {0};
        CHECKF(parse_obj(o, &err) == -1, "%s = %s", bad[i].field, bad[i].json);
        CHECK_CONTAINS(err.msg, bad[i].msg);
    }
    /* The edges that are valid. */
    static const struct { const char *field, *json; } ok[] = {
        {"attempt", "5"}, {"max_attempts", "1000"}, {"timeout_s", "1"}, {"timeout_s", "604800"},
        {"enqueued_at", "\"2026-11-21T22:30:00Z\""}, {"enqueued_at", "\"2026-11-21T22:30:00.123456+00:00\""},
        {"enqueued_at", "\"2028-02-29T00:00:00Z\""}, {"dedupe_key", "\"k\""}, {"lane", "\"interactive\""},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *o = good_object();
        json_object_set_new(o, ok[i].field, json_loads(ok[i].json, JSON_DECODE_ANY, NULL));
        FarmErr err = {0};
        CHECKF(parse_obj(o, &err) == 0, "%s = %s: %s", ok[i].field, ok[i].json, err.msg);
    }
}

/* Nested n levels below the payload object: {"a":{"a":...{}}} */
static json_t *nested(int levels)
{
    json_t *v = json_object();
    for (int i = 1; i < levels; i++) v = json_pack("{s:o}", "a", v);
    return v;
}

TEST(envelope_limits_hold_at_the_limit_and_refuse_one_past_it)
{
    FarmErr err = {0};
    /* Payload depth: 32 levels parse, 33 do not (through the raw scan and
     * through envelope_check on a built envelope). */
    json_t *o = good_object();
    json_object_set_new(o, "payload", nested(ENVELOPE_MAX_DEPTH));
    CHECKF(parse_obj(o, &err) == 0, "%s", err.msg);
    o = good_object();
    json_object_set_new(o, "payload", nested(ENVELOPE_MAX_DEPTH + 1));
    CHECK(parse_obj(o, &err) == -1);
    CHECK_CONTAINS(err.msg, "envelope: payload: nested deeper than 32 levels");
    Envelope e = {0};
    uuid7_new(e.id);
    snprintf(e.kind, sizeof e.kind, "noop");
    snprintf(e.source, sizeof e.source, "cli");
    e.attempt = e.max_attempts = e.timeout_s = 1;
    e.payload = nested(ENVELOPE_MAX_DEPTH + 1);
    CHECK(envelope_check(&e, &err) == -1);
    CHECK_CONTAINS(err.msg, "payload: nested deeper");
    json_decref(e.payload);
    e.payload = nested(ENVELOPE_MAX_DEPTH);
    CHECKF(envelope_check(&e, &err) == 0, "%s", err.msg);
    /* 10,000 nested arrays: the same limit, not a parser's message. */
    char *deep = malloc(20100);
    int n = snprintf(deep, 200, "{\"payload\":{\"a\":");
    for (int i = 0; i < 10000; i++) deep[n++] = '[';
    for (int i = 0; i < 10000; i++) deep[n++] = ']';
    snprintf(deep + n, 10, "}}");
    Envelope d;
    CHECK(envelope_parse(deep, strlen(deep), &d, &err) == -1);
    CHECK_CONTAINS(err.msg, "payload: nested deeper than 32 levels");
    free(deep);
    /* Bytes: exactly ENVELOPE_MAX_BYTES parses, one more does not. */
    json_decref(e.payload);
    e.payload = json_pack("{s:s}", "pad", "");
    char *text = envelope_dump(&e);
    size_t base = strlen(text);
    free(text);
    char *pad = malloc(ENVELOPE_MAX_BYTES);
    memset(pad, 'x', ENVELOPE_MAX_BYTES - base);
    pad[ENVELOPE_MAX_BYTES - base] = '\0';
    json_object_set_new(e.payload, "pad", json_string(pad));
    text = envelope_dump_checked(&e, &err);
    REQUIREF(text != NULL, "%s", err.msg);
    CHECK_INT(strlen(text), ENVELOPE_MAX_BYTES);
    REQUIREF(envelope_parse(text, strlen(text), &d, &err) == 0, "%s", err.msg);
    envelope_clear(&d);
    free(text);
    pad[ENVELOPE_MAX_BYTES - base] = 'x';
    pad[ENVELOPE_MAX_BYTES - base + 1] = '\0';
    json_object_set_new(e.payload, "pad", json_string(pad));
    CHECK(envelope_dump_checked(&e, &err) == NULL);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK_CONTAINS(err.msg, "envelope: payload: the envelope is 1048577 bytes, over the limit of 1048576");
    text = envelope_dump(&e);
    CHECK(envelope_parse(text, strlen(text), &d, &err) == -1);
    CHECK_CONTAINS(err.msg, "over the limit of 1048576");
    free(text);
    free(pad);
    envelope_clear(&e);
}

TEST(envelope_check_refuses_text_that_is_not_utf8_before_it_is_written)
{
    Envelope e = {0};
    uuid7_new(e.id);
    snprintf(e.kind, sizeof e.kind, "noop");
    snprintf(e.source, sizeof e.source, "cli");
    snprintf(e.dedupe_key, sizeof e.dedupe_key, "volum\xe9");
    e.attempt = e.max_attempts = e.timeout_s = 1;
    e.payload = json_object();
    FarmErr err = {0};
    CHECK(envelope_dump_checked(&e, &err) == NULL);
    CHECK_CONTAINS(err.msg, "envelope: dedupe_key: not valid UTF-8");
    snprintf(e.dedupe_key, sizeof e.dedupe_key, "caf\xc3\xa9");
    char *text = envelope_dump_checked(&e, &err);
    CHECKF(text != NULL, "%s", err.msg);
    free(text);
    envelope_clear(&e);
}

TEST(uuid7_ids_are_valid_and_time_ordered)
{
    char prev[37] = "";
    for (int i = 0; i < 10000; i++) {
        char id[37];
        uuid7_new(id);
        REQUIRE(uuid_valid(id));
        CHECK(id[14] == '7');
        CHECKF(strcmp(prev, id) < 0, "%s !< %s", prev, id);
        memcpy(prev, id, sizeof id);
    }
    CHECK(uuid7_time_ms(prev) > 1700000000000LL);
    CHECK_INT(uuid7_time_ms("not-a-uuid"), -1);
}

TEST(redis_urls_parse_and_refuse_credentials_and_tls)
{
    char host[128];
    int port, db;
    FarmErr err = {0};
    CHECK_INT(rds_parse_url("redis://127.0.0.1:6390/3", host, sizeof host, &port, &db, &err), 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK_INT(port, 6390);
    CHECK_INT(db, 3);
    CHECK_INT(rds_parse_url("redis://localhost", host, sizeof host, &port, &db, &err), 0);
    CHECK_INT(port, 6379);
    CHECK_INT(db, 0);
    CHECK_INT(rds_parse_url("unix:///run/redis/redis.sock?db=2", host, sizeof host, &port, &db, &err), 0);
    CHECK_STR(host, "/run/redis/redis.sock");
    CHECK_INT(port, 0);
    CHECK_INT(db, 2);
    CHECK_INT(rds_parse_url("redis://user:secret@host:6379/0", host, sizeof host, &port, &db, &err), -1);
    CHECK_CONTAINS(err.msg, "STRATFARM_REDIS_PASSWORD");
    CHECK(strstr(err.msg, "secret") == NULL);
    CHECK_INT(rds_parse_url("rediss://host:6379", host, sizeof host, &port, &db, &err), -1);
    CHECK_CONTAINS(err.msg, "TLS");
    CHECK_INT(rds_parse_url("redis://host:99999", host, sizeof host, &port, &db, &err), -1);
    CHECK_INT(rds_parse_url("http://host", host, sizeof host, &port, &db, &err), -1);
}
