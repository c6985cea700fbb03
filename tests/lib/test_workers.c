/* lib/workers: the workers registry as the worker writes it and
 * `stratfarm status` (and the status API) read it. */
#define _GNU_SOURCE
#include "th.h"
#include "th_queue.h"

#include <stdlib.h>
#include <string.h>

#include "workers.h"

static const char CONFIG[] = "worker:\n  slots: 1\n";

static json_t *find(json_t *list, const char *id)
{
    size_t i;
    json_t *w;
    json_array_foreach(list, i, w)
        if (strcmp(json_string_value(json_object_get(w, "id")), id) == 0) return w;
    return NULL;
}

TEST(workers_announce_list_prune_and_remove)
{
    ThQueue e;
    thq_setup(&e, CONFIG);
    FarmErr err = {0};
    WorkersJob jobs[1] = {{1, "01a211fb-0000-7000-8000-000000000001", "sleep", 1700000000123LL}};
    WorkersInfo a = {.id = "hosta:11", .host = "hosta", .pid = 11, .slots = 2, .kinds = "sleep,fail",
                     .started_ms = 1700000000000LL, .heartbeat_ms = 1700000001000LL, .jobs_done = 7,
                     .jobs = jobs, .njobs = 1};
    WorkersInfo b = {.id = "hostb:22", .host = "hostb", .pid = 22, .slots = 1, .kinds = "noop",
                     .started_ms = 1700000000000LL, .heartbeat_ms = 1700000000500LL};
    REQUIRE(workers_announce(e.r, &e.q, &b, 30, 0, &err) == 0);
    REQUIRE(workers_announce(e.r, &e.q, &a, 30, 0, &err) == 0);
    json_t *l = workers_list(e.r, &e.q, &err);
    REQUIRE(l != NULL);
    CHECK_INT(json_array_size(l), 2);
    json_t *w = find(l, "hosta:11");
    REQUIRE(w != NULL);
    CHECK_STR(json_string_value(json_object_get(w, "host")), "hosta");
    CHECK_STR(json_string_value(json_object_get(w, "slots")), "2");
    CHECK_STR(json_string_value(json_object_get(w, "kinds")), "sleep,fail");
    CHECK_STR(json_string_value(json_object_get(w, "heartbeat_at")), "1700000001000");
    CHECK_STR(json_string_value(json_object_get(w, "jobs_done")), "7");
    json_t *j = json_array_get(json_object_get(w, "jobs"), 0);
    REQUIRE(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "job")), jobs[0].job_id);
    CHECK_INT(json_integer_value(json_object_get(j, "slot")), 1);
    CHECK_INT(json_integer_value(json_object_get(j, "started_at")), 1700000000123LL);
    CHECK_INT(json_array_size(json_object_get(find(l, "hostb:22"), "jobs")), 0);
    json_decref(l);
    /* b beat before a's heartbeat minus 400 ms: a's announce prunes it. */
    REQUIRE(workers_announce(e.r, &e.q, &a, 30, 400, &err) == 0);
    l = workers_list(e.r, &e.q, &err);
    CHECK_INT(json_array_size(l), 1);
    json_decref(l);
    long long pruned = -1;
    REQUIRE(workers_prune(e.r, &e.q, 1700000000000LL, &pruned, &err) == 0);
    CHECK_INT(pruned, 0);
    REQUIRE(workers_remove(e.r, &e.q, "hosta:11", &err) == 0);
    l = workers_list(e.r, &e.q, &err);
    CHECK_INT(json_array_size(l), 0);
    json_decref(l);
    CHECK_INT(thq_redis_int(&e, "EXISTS", "sf:worker:hosta:11"), 0);
}
