#include "when.h"

#include <stdlib.h>
#include <string.h>

#include "civil.h"

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int when_parse(const char *s, int64_t *out)
{
    size_t len = strlen(s);
    if (len > 0 && len <= 12 && strspn(s, "0123456789") == len) {
        *out = strtoll(s, NULL, 10);
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (len < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (strlen(p) < 6 || digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi)) return -1;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &se)) return -1;
            p += 3;
            if (*p == '.') { p++; while (*p >= '0' && *p <= '9') p++; }
        }
    }
    int off = 0;
    if (*p == 'Z') p++;
    else if (*p == '+' || *p == '-') {
        int oh, om = 0;
        if (digits(p + 1, 2, &oh)) return -1;
        const char *q = p + 3;
        if (*q == ':') q++;
        if (*q && digits(q, 2, &om)) return -1;
        if (*q) q += 2;
        if (oh > 23 || om > 59) return -1;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p = q;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > civil_days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
        return -1;
    *out = civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    return 0;
}
