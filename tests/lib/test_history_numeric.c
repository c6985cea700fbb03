/* history_numeric_to_double (lib/history.c): a NUMERIC in binary send format becomes the same
 * double as the server's ::float8 cast (strtod of its decimal text). */
#include "th.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

/* Encodes decimal text (digits, optional point, optional '-') the way
 * numeric_send does: base-10000 groups aligned on the point, weight of the
 * first group, trailing zero groups stripped. */
static int encode(const char *text, unsigned char *out)
{
    int neg = text[0] == '-';
    const char *s = text + neg;
    const char *dot = strchr(s, '.');
    size_t ni = dot ? (size_t)(dot - s) : strlen(s);
    const char *frac = dot ? dot + 1 : "";
    char digits[256];
    size_t pad = (4 - ni % 4) % 4, o = 0;
    for (size_t i = 0; i < pad; i++) digits[o++] = '0';
    memcpy(digits + o, s, ni);
    o += ni;
    size_t nf = strlen(frac);
    memcpy(digits + o, frac, nf);
    o += nf;
    while (o % 4) digits[o++] = '0';
    int groups = (int)o / 4, weight = (int)(pad + ni) / 4 - 1;
    int g[64], ng = 0;
    for (int i = 0; i < groups; i++) g[ng++] = (digits[4 * i] - '0') * 1000 + (digits[4 * i + 1] - '0') * 100 +
                                               (digits[4 * i + 2] - '0') * 10 + (digits[4 * i + 3] - '0');
    int first = 0;
    while (first < ng && g[first] == 0) first++, weight--;
    while (ng > first && g[ng - 1] == 0) ng--;
    int nd = ng - first;
    if (nd == 0) weight = 0;
    unsigned char *p = out;
    p[0] = (unsigned char)(nd >> 8), p[1] = (unsigned char)nd;
    p[2] = (unsigned char)((weight >> 8) & 0xff), p[3] = (unsigned char)(weight & 0xff);
    p[4] = neg ? 0x40 : 0, p[5] = 0;
    p[6] = 0, p[7] = (unsigned char)nf;
    for (int i = 0; i < nd; i++) {
        p[8 + 2 * i] = (unsigned char)(g[first + i] >> 8);
        p[9 + 2 * i] = (unsigned char)(g[first + i] & 0xff);
    }
    return 8 + 2 * nd;
}

TEST(history_numeric_binary_reads_as_the_servers_float8_cast)
{
    static const char *cases[] = {
        "15895.25000000", "15895.00000000", "0.25", "0.1", "0.3", "1", "0", "7", "10000", "12345678",
        "99999999.99999999", "123456789012.12345678", "0.00000001", "4567.125", "-3.75", "33.33333333",
        "900719925474099.3", "9007199254740993", "1e", NULL};
    unsigned char buf[300];
    for (int i = 0; cases[i]; i++) {
        if (strcmp(cases[i], "1e") == 0) continue;
        int len = encode(cases[i], buf);
        double v = -1;
        CHECKF(history_numeric_to_double(buf, len, &v) == 0, "%s", cases[i]);
        CHECKF(v == strtod(cases[i], NULL), "%s -> %.17g, want %.17g", cases[i], v, strtod(cases[i], NULL));
    }
    /* Every quarter tick of an NQ-like range, and odd cents. */
    for (long k = 1; k < 200000; k += 7) {
        char t[64];
        snprintf(t, sizeof t, "%ld.%02ld", 10000 + k / 100, k % 100);
        int len = encode(t, buf);
        double v = -1;
        REQUIRE(history_numeric_to_double(buf, len, &v) == 0);
        CHECKF(v == strtod(t, NULL), "%s", t);
    }
    /* NaN and malformed input are refused. */
    unsigned char nan[8] = {0, 0, 0, 0, 0xC0, 0, 0, 0};
    double v;
    CHECK(history_numeric_to_double(nan, 8, &v) < 0);
    CHECK(history_numeric_to_double(buf, 5, &v) < 0);
}
