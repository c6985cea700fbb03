#include "payload.h"

#include <stdio.h>
#include <string.h>

#include "candle.h"
#include "config.h"
#include "when.h"

int payload_pair(const json_t *p, const char *kind, char *symbol, size_t cap, const char **tf,
                 FarmErr *err)
{
    const char *sym = json_string_value(json_object_get(p, "symbol"));
    if (!sym || !candle_symbol_valid(sym) || strlen(sym) >= cap)
        return err_set(err, SF_EINPUT, "%s: \"symbol\" must be 1-20 of A-Z a-z 0-9 . - _ / =", kind);
    snprintf(symbol, cap, "%s", sym);
    const char *t = json_string_value(json_object_get(p, "timeframe"));
    if (!t || !(*tf = config_timeframe_normalise(t)))
        return err_set(err, SF_EINPUT, "%s: \"timeframe\" must be one of M1 M5 M15 H1 H4 D1 "
                                       "(or 1m 5m 15m 1h 4h 1d), got \"%s\"", kind, t ? t : "(none)");
    return 0;
}

int payload_check_keys(const json_t *p, const char *const *known, const char *kind, FarmErr *err)
{
    if (!json_is_object(p)) return err_set(err, SF_EINPUT, "%s: payload must be a JSON object", kind);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)p, key, v) {
        int ok = 0;
        for (int i = 0; known[i] && !ok; i++) ok = strcmp(key, known[i]) == 0;
        if (ok) continue;
        char all[300] = "";
        for (int i = 0; known[i]; i++)
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? ", " : "", known[i]);
        return err_set(err, SF_EINPUT, "%s: unknown payload key \"%s\" (%s)", kind, key, all);
    }
    return 0;
}

int payload_time(const json_t *v, const char *key, const char *kind, int64_t *out, FarmErr *err)
{
    if (json_is_integer(v)) { *out = json_integer_value(v); return 0; }
    if (json_is_string(v) && when_parse(json_string_value(v), out) == 0) return 0;
    return err_set(err, SF_EINPUT,
                   "%s: \"%s\" must be epoch seconds or an ISO-8601 UTC time (2023-11-20T14:30:00Z)",
                   kind, key);
}

int payload_range(const json_t *p, const char *kind, int *has_from, int64_t *from, int *has_to,
                  int64_t *to, FarmErr *err)
{
    json_t *f = json_object_get(p, "from"), *t = json_object_get(p, "to");
    *has_from = f && !json_is_null(f);
    *has_to = t && !json_is_null(t);
    if (*has_from && payload_time(f, "from", kind, from, err)) return -1;
    if (*has_to && payload_time(t, "to", kind, to, err)) return -1;
    if (*has_from && *has_to && *from > *to)
        return err_set(err, SF_EINPUT, "%s: \"from\" is after \"to\"", kind);
    return 0;
}
