#include "th.h"

#include <string.h>

#include "candle.h"
#include "when.h"

TEST(when_parse_reads_epochs_dates_and_iso_times_with_zones)
{
    int64_t t = 0;
    CHECK_INT(when_parse("1700434800", &t), 0);
    CHECK_INT(t, 1700434800);
    CHECK_INT(when_parse("2023-11-19", &t), 0);
    CHECK_INT(t, 1700352000);
    CHECK_INT(when_parse("2023-11-19T23:00:00Z", &t), 0);
    CHECK_INT(t, 1700434800);
    CHECK_INT(when_parse("2023-11-19 18:00:00-05:00", &t), 0);
    CHECK_INT(t, 1700434800);
    CHECK_INT(when_parse("2023-11-20T00:30+01:30", &t), 0);
    CHECK_INT(t, 1700434800);
    CHECK_INT(when_parse("2024-02-29", &t), 0);
    static const char *bad[] = {"", "2023-02-29", "2023-13-01", "2023-11-19T24:00", "2023-11-19T23:00:60",
                                "2023-11-19Tnoon", "yesterday", "2023-11-19T23:00:00+25:00", "1e9", NULL};
    for (int i = 0; bad[i]; i++) CHECKF(when_parse(bad[i], &t) == -1, "\"%s\" accepted", bad[i]);
}

TEST(candle_symbols_are_safe_in_keys_and_fit_the_column)
{
    CHECK(candle_symbol_valid("NQ"));
    CHECK(candle_symbol_valid("EUR/USD"));
    CHECK(candle_symbol_valid("BRK.B"));
    CHECK(!candle_symbol_valid(""));
    CHECK(!candle_symbol_valid("NQ:M1"));
    CHECK(!candle_symbol_valid("N*"));
    CHECK(!candle_symbol_valid("A B"));
    CHECK(!candle_symbol_valid("ABCDEFGHIJKLMNOPQRSTU"));
}
