#include "err.h"

#include <stdio.h>
#include <string.h>

int err_set(FarmErr *err, int code, const char *fmt, ...)
{
    if (!err) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return -1;
}

int err_wrap(FarmErr *err, const char *fmt, ...)
{
    if (!err) return -1;
    char prefix[256];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    if (!err->code) err->code = SF_EIO;
    return -1;
}

void err_clear(FarmErr *err)
{
    if (!err) return;
    err->code = 0;
    err->msg[0] = '\0';
}
