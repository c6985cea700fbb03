/* registry_strategy.c - the strategy DSL check the CLI needs (strategies
 * sync refuses a program that does not parse) without reaching into pure
 * compute itself: cli/ sees only jobs/registry.h. */
#include "registry.h"

#include <stdio.h>

#include "strategy/dsl.h"

int registry_check_strategy(const char *src, size_t len, char *name, size_t name_cap, int *line,
                            int *col, FarmErr *err)
{
    DslProgram p;
    DslError de = {0};
    if (dsl_parse(src, len, &p, &de) != DSL_OK) {
        *line = de.line;
        *col = de.col;
        return err_set(err, SF_EINPUT, "%s", de.msg);
    }
    if (name && name_cap) snprintf(name, name_cap, "%s", p.name);
    dsl_program_free(&p);
    return 0;
}
