/* fuzz_dsl.c - libFuzzer target for the strategy DSL parser
 * (jobs/strategy/dsl.h, dsl_parse). Properties: no crash, leak or
 * unbounded recursion on any text (DSL_MAX_DEPTH holds); an error always
 * carries a message; an accepted program's nodes reference only earlier
 * nodes. */
#include <stdint.h>
#include <stdlib.h>

#include "strategy/dsl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    DslProgram p;
    DslError err;
    if (dsl_parse((const char *)data, size, &p, &err) != DSL_OK) {
        if (!err.msg[0]) abort();
        return 0;
    }
    for (int i = 0; i < p.n_nodes; i++)
        if (p.nodes[i].a >= i || p.nodes[i].b >= i) abort();
    dsl_program_free(&p);
    return 0;
}
