/* config_util.c - helpers of the config loader: strict number and bool
 * parsing, "did you mean" suggestions, and the rules that spot secrets. */
#define _GNU_SOURCE /* strcasestr */
#include "config_priv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- strict parsing -------------------------------------------------------------- */

int config_parse_int(const char *s, long long *out)
{
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int config_parse_double(const char *s, double *out)
{
    if (!s || !*s) return -1;
    /* strtod also takes hex, inf and nan: none is a config value. */
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p)) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int config_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"},
                             *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = 1; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = 0; return 0; }
    }
    return -1;
}

/* Levenshtein distance, small strings only. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

const char *config_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bd = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cands[i]);
        if (d < bd) { bd = d; best = cands[i]; }
    }
    return best;
}

/* ---- secrets -------------------------------------------------------------------- */

int config_key_is_secret(const char *key)
{
    static const char *const exact[] = {"password", "passwd", "secret", "token", "api_key"};
    static const char *const tails[] = {"_password", "_passwd", "_token", "_secret", "_key"};
    size_t n = strlen(key);
    for (size_t i = 0; i < 5; i++) {
        size_t t = strlen(tails[i]);
        if (strcasecmp(key, exact[i]) == 0) return 1;
        if (n > t && strcasecmp(key + n - t, tails[i]) == 0) return 1;
    }
    return 0;
}

const char *config_secret_env_hint(const char *path)
{
    if (strncmp(path, "api.", 4) == 0) return "STRATFARM_API_TOKEN";
    if (strncmp(path, "llm.", 4) == 0) return "STRATFARM_LLM_API_KEY";
    if (strncmp(path, "redis.", 6) == 0) return "STRATFARM_REDIS_URL";
    if (strncmp(path, "databases.", 10) == 0)
        return "STRATFARM_WEBSITE_DSN, STRATFARM_BACKTEST_DSN, STRATFARM_HISTORY_DSN, "
               "PGPASSWORD or ~/.pgpass";
    return "STRATFARM_API_TOKEN, STRATFARM_LLM_API_KEY, STRATFARM_*_DSN, STRATFARM_REDIS_URL";
}

/* A libpq "password=" pair, or a URL's user:password@. */
int config_has_password(const char *s)
{
    for (const char *p = s; (p = strcasestr(p, "password")) != NULL; p += 8) {
        const char *q = p + 8;
        while (*q == ' ' || *q == '\t') q++;
        if (*q == '=') return 1;
    }
    const char *scheme = strstr(s, "://");
    if (!scheme) return 0;
    const char *auth = scheme + 3;
    size_t n = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', n);
    if (!at) return 0;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    return colon && colon + 1 < at;
}
