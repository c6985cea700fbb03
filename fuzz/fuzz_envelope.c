/* fuzz_envelope.c - libFuzzer target for the envelope reader (lib/envelope.h).
 * Properties: envelope_parse never crashes, leaks or overruns on any bytes;
 * an accepted envelope is written back by envelope_dump_checked and that
 * text parses again to the same envelope (what the worker reads, the farm
 * can write, and the other way round). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Envelope env, back;
    FarmErr err = {0};
    if (envelope_parse((const char *)data, size, &env, &err) != 0) {
        if (err.code != SF_EINPUT || strncmp(err.msg, "envelope: ", 10) != 0) abort();
        return 0;
    }
    char *text = envelope_dump_checked(&env, &err);
    if (!text) abort();   /* valid in, so valid out */
    if (envelope_parse(text, strlen(text), &back, &err) != 0) abort();
    if (strcmp(back.id, env.id) || strcmp(back.kind, env.kind) || back.lane != env.lane ||
        back.attempt != env.attempt || back.max_attempts != env.max_attempts ||
        back.enqueued_at_ms != env.enqueued_at_ms || back.timeout_s != env.timeout_s ||
        strcmp(back.dedupe_key, env.dedupe_key) || strcmp(back.source, env.source) ||
        !json_equal(back.payload, env.payload))
        abort();
    free(text);
    envelope_clear(&back);
    envelope_clear(&env);
    return 0;
}
