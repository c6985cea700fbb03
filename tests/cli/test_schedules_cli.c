#define _POSIX_C_SOURCE 200809L
/* `stratfarm schedules` lists every schedule with its next fire in local
 * time and UTC and its last decision; `schedules next` marks DST fires. */
#include <stdlib.h>
#include <string.h>

#include "th.h"
#include "th_farm.h"

TEST(cli_schedules_lists_and_marks_dst_in_next_fires)
{
    th_redis_flush();
    setenv("STRATFARM_REDIS_URL", th_redis_url(), 1);
    th_write("sf.yaml",
             "schedules:\n"
             "  - name: berlin-night\n    cron: \"30 2 * * *\"\n    timezone: Europe/Berlin\n"
             "    kind: noop\n    duplicate_dst: both\n"
             "  - name: ny-close\n    cron: \"30 17 * * 1-5\"\n    timezone: America/New_York\n"
             "    kind: noop\n    enabled: false\n");
    char *out = NULL;
    int rc = th_run(&out, "%s --config sf.yaml schedules", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "berlin-night");
    CHECK_CONTAINS(out, "Europe/Berlin");
    CHECK_CONTAINS(out, " 02:30 +01:00");     /* local, with its offset (winter) */
    CHECK_CONTAINS(out, "T01:30:00Z");        /* and UTC */
    CHECK_CONTAINS(out, "(none yet)");
    CHECK_CONTAINS(out, "disabled");
    free(out);
    /* Within a year: one fire after the spring gap, two in the autumn fold. */
    rc = th_run(&out, "%s --config sf.yaml schedules next berlin-night --count 370", th_bin("stratfarm"));
    CHECKF(rc == 0, "%s", out);
    CHECK_CONTAINS(out, "03:00 +02:00");
    CHECK_CONTAINS(out, "DST: wall time skipped by spring-forward");
    CHECK_CONTAINS(out, "02:30 +02:00");
    CHECK_CONTAINS(out, "DST: first of a repeated wall time");
    CHECK_CONTAINS(out, "DST: second of a repeated wall time");
    free(out);
    rc = th_run(&out, "%s --config sf.yaml schedules next nope", th_bin("stratfarm"));
    CHECK_INT(rc, 1);
    CHECK_CONTAINS(out, "no schedule named \"nope\"");
    free(out);
    rc = th_run(&out, "%s --config sf.yaml schedules next berlin-night --count 0", th_bin("stratfarm"));
    CHECK_INT(rc, 2);
    free(out);
}
