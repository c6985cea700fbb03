/* err.h - error text carried on a handle, in the manner of hiredis'
 * redisContext.err/errstr: a failing call fills a FarmErr the caller owns
 * and returns -1, so context travels up to the one log line that reports it. */
#ifndef SF_ERR_H
#define SF_ERR_H

#include <stdarg.h>

#if defined(__GNUC__)
#define SF_MUSTCHECK __attribute__((warn_unused_result))
#define SF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SF_MUSTCHECK
#define SF_PRINTF(a, b)
#endif

enum {
    SF_OK = 0,
    SF_EIO = 1,        /* a server (Redis, PostgreSQL) or the OS failed: retryable */
    SF_EINPUT = 2,     /* the input can never succeed: not retryable */
    SF_ECONFIG = 3,    /* bad configuration */
    SF_ECANCEL = 4,    /* cancelled on request */
    SF_ETIMEOUT = 5,   /* ran past its deadline */
    SF_EHANDBACK = 6,  /* stopped unfinished because the worker drains: back to its stream */
    SF_EDEFER = 7,     /* not now (its owner's limit is taken): waits in delayed, no attempt used */
};

typedef struct FarmErr {
    int code;          /* one of SF_E*; 0 when no error */
    char msg[512];     /* NUL-terminated, never holds a secret */
} FarmErr;

/* Sets code and message; returns -1 so callers can `return err_set(...)`.
 * A NULL err is allowed and ignored. */
int err_set(FarmErr *err, int code, const char *fmt, ...) SF_PRINTF(3, 4);

/* Prefixes an existing message with more context ("loading x: <old>"). */
int err_wrap(FarmErr *err, const char *fmt, ...) SF_PRINTF(2, 3);

void err_clear(FarmErr *err);

#endif
