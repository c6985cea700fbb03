#include "err.h"
#include "th.h"

#include <string.h>

TEST(err_wrap_keeps_the_original_reason_after_the_context)
{
    FarmErr e = {0};
    CHECK_INT(err_set(&e, SF_EINPUT, "bad value %d", 7), -1);
    err_wrap(&e, "config %s", "x.yaml");
    CHECK_STR(e.msg, "config x.yaml: bad value 7");
    CHECK_INT(e.code, SF_EINPUT);
}
