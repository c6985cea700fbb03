/* fuzz_config.c - libFuzzer target for the configuration loader
 * (lib/config*.c through registry_config_load_all, so every kind's rows and
 * the schedules' crons, zones and fan-outs are read). The input is written
 * to a private file first: the loader's entry point is a path, as in
 * production. Property: no crash or leak; a failed load has error text. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/sf-fuzz-config-%d.yaml", (int)getpid());
        clearenv();   /* the file alone decides, never a STRATFARM_* variable */
    }
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    Config *cfg = NULL;
    char *errors = NULL;
    if (registry_config_load_all(path, &cfg, &errors) != 0 && (!errors || !errors[0])) abort();
    config_free(cfg);
    free(errors);
    return 0;
}
