/* th.h - stratfarm's test harness (ct-style, see beanstalkd's ct).
 *
 *   TEST(queue_retry_then_success) { ... CHECK(x == 1); ... }
 *
 * Every TEST registers itself (constructor attribute) and runs in its own
 * forked child, inside a fresh temporary directory, with an alarm. A test
 * fails when a CHECK fails, when it crashes, or on a sanitizer report
 * (sanitizers abort the child). SKIP("why") skips; under CI=true a skip
 * counts as a failure, because CI must run on the real servers.
 *
 * Server access: tests/run.sh starts real Redis and PostgreSQL on free
 * loopback ports (ops/stack.sh) and exports SF_TEST_* variables; the
 * helpers below read them and SKIP when absent. */
#ifndef SF_TH_H
#define SF_TH_H

#include <stddef.h>

typedef void (*th_fn)(void);
void th_register(const char *name, const char *file, th_fn fn, int timeout_s);

#define TEST_T(name, timeout_s)                                               \
    static void test_##name(void);                                            \
    __attribute__((constructor)) static void reg_##name(void)                 \
    { th_register(#name, __FILE__, test_##name, timeout_s); }                 \
    static void test_##name(void)
#define TEST(name) TEST_T(name, 120)

void th_check_failed(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void th_skip(const char *why) __attribute__((noreturn));
int th_failures(void);

#define CHECK(c) do { if (!(c)) th_check_failed(__FILE__, __LINE__, #c, NULL); } while (0)
#define CHECKF(c, ...) do { if (!(c)) th_check_failed(__FILE__, __LINE__, #c, __VA_ARGS__); } while (0)
/* Stops the test at the first failure (use when later steps would crash). */
#define REQUIRE(c) do { if (!(c)) { th_check_failed(__FILE__, __LINE__, #c, NULL); th_abort_test(); } } while (0)
#define REQUIREF(c, ...) do { if (!(c)) { th_check_failed(__FILE__, __LINE__, #c, __VA_ARGS__); th_abort_test(); } } while (0)
#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) th_check_failed(__FILE__, __LINE__, #a " == " #b, "%lld != %lld", a_, b_); } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) th_check_failed(__FILE__, __LINE__, #a " == " #b, \
        "\"%s\" != \"%s\"", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
    if (!h_ || !strstr(h_, n_)) th_check_failed(__FILE__, __LINE__, #hay " contains " #needle, \
        "\"%s\" not in \"%s\"", n_, h_ ? h_ : "(null)"); } while (0)
/* |a-b| <= tol*max(1,|b|) */
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); \
    if (!th_near(a_, b_, tol)) th_check_failed(__FILE__, __LINE__, #a " ~ " #b, \
        "%.17g != %.17g (tol %g)", a_, b_, (double)(tol)); } while (0)

void th_abort_test(void) __attribute__((noreturn));
int th_near(double a, double b, double rel_tol);

/* Paths. th_root() is the repository root; th_bin("stratfarm") the path of a
 * binary built with the test flags. Returned strings are static/owned by th. */
const char *th_root(void);
const char *th_bin(const char *name);
/* Repository-relative path into a static rotating buffer (8 slots). */
const char *th_path(const char *rel);

/* Runs a shell command, captures stdout+stderr into a malloc'd string the
 * caller frees (may be NULL), returns the exit status (or -1). */
int th_run(char **output, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Servers. Each SKIPs the test when the server is not available. */
int th_redis_port(void);
const char *th_redis_url(void);           /* redis://127.0.0.1:PORT/0, static */
void th_redis_flush(void);                /* FLUSHALL on the test server */
/* Creates a fresh, empty database and writes its DSN into dsn (cap bytes).
 * Databases are dropped with the whole server at the end of the run. */
void th_pg_create_db(const char *hint, char *dsn, size_t cap);
/* DSN of the maintenance database (superuser), static. */
const char *th_pg_admin_dsn(void);

#endif
