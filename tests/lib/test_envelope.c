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

TEST(envelope_rejects_what_can_never_run_with_the_field_named)
{
    static const struct { const char *text, *msg; } bad[] = {
        {"{not json", "not JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"kind\":\"noop\",\"lane\":\"batch\"}", "missing \"id\""},
        {"{\"id\":\"xyz\",\"kind\":\"noop\",\"lane\":\"batch\"}", "\"id\" is not a UUID"},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"lane\":\"batch\"}", "missing \"kind\""},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"kind\":\"noop\",\"lane\":\"fast\"}", "unknown lane"},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"kind\":\"noop\",\"lane\":\"batch\",\"attempt\":0}", "\"attempt\""},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"kind\":\"noop\",\"lane\":\"batch\",\"payload\":[]}", "\"payload\" must be an object"},
        {"{\"id\":\"0193f1c2-0000-7000-8000-000000000000\",\"kind\":\"noop\",\"lane\":\"batch\",\"enqueued_at\":\"yesterday\"}", "enqueued_at"},
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
