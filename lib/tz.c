#define _GNU_SOURCE
#include "tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

/* Switching zones sets TZ. If TZ were absent, the first setenv would grow
 * the environment array while other threads read it (libpq's getenv):
 * define it before main, single-threaded, so later switches only replace
 * the value in place. The process's own time zone is UTC either way. */
__attribute__((constructor)) static void tz_define_early(void)
{
    if (!getenv("TZ")) setenv("TZ", "UTC", 0);
}

int tz_exists(const char *name)
{
    /* Hot callers convert many times in one zone: the last zone found is
     * remembered per thread, so they do not pay an access() each call. */
    static _Thread_local char last_found[128];
    if (!name || !*name || strstr(name, "..") || name[0] == '/') return 0;
    if (strcmp(name, "UTC") == 0 || strcmp(name, last_found) == 0) return 1;
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    if (access(path, R_OK) != 0) return 0;
    if (strlen(name) < sizeof last_found) memcpy(last_found, name, strlen(name) + 1);
    return 1;
}

/* Caller holds tz_lock. Restores nothing: every entry point sets TZ itself. */
static void use_zone(const char *zone)
{
    static char current[128];
    if (strcmp(current, zone) == 0) return;
    setenv("TZ", zone, 1);
    tzset();
    snprintf(current, sizeof current, "%s", zone);
}

static int days_in_month(int year, int mon)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return mon == 2 ? 28 + leap : d[mon - 1];
}

int tz_local_to_epoch(const char *zone, int year, int mon, int day, int hour,
                      int min, int sec, int64_t *epoch)
{
    if (!tz_exists(zone) || year < 1900 || year > 9999 || mon < 1 || mon > 12 ||
        day < 1 || day > days_in_month(year, mon) || hour < 0 || hour > 23 ||
        min < 0 || min > 59 || sec < 0 || sec > 59)
        return -1;
    pthread_mutex_lock(&tz_lock);
    use_zone(zone);
    struct tm base = {0};
    base.tm_year = year - 1900; base.tm_mon = mon - 1; base.tm_mday = day;
    base.tm_hour = hour; base.tm_min = min; base.tm_sec = sec;
    struct tm c = base;
    c.tm_isdst = -1;
    time_t t = mktime(&c);
    /* In a fold both readings round-trip to the same wall time: keep the
     * earlier instant. In a gap neither does and mktime's reading stands. */
    for (int dst = 0; dst <= 1 && t != (time_t)-1; dst++) {
        c = base;
        c.tm_isdst = dst;
        time_t tc = mktime(&c);
        struct tm chk;
        if (tc == (time_t)-1 || !localtime_r(&tc, &chk)) continue;
        if (chk.tm_hour == hour && chk.tm_min == min && chk.tm_mday == day && tc < t)
            t = tc;
    }
    pthread_mutex_unlock(&tz_lock);
    if (t == (time_t)-1) return -1;
    *epoch = (int64_t)t;
    return 0;
}

int tz_epoch_to_local(const char *zone, int64_t epoch, TzLocal *out)
{
    if (!tz_exists(zone)) return -1;
    pthread_mutex_lock(&tz_lock);
    use_zone(zone);
    time_t t = (time_t)epoch;
    struct tm tm;
    int ok = localtime_r(&t, &tm) != NULL;
    pthread_mutex_unlock(&tz_lock);
    if (!ok) return -1;
    *out = (TzLocal){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, tm.tm_wday, (int)tm.tm_gmtoff};
    return 0;
}

int tz_local_hours(const char *zone, const int64_t *epochs, size_t n, int *hours)
{
    if (!tz_exists(zone)) return -1;
    pthread_mutex_lock(&tz_lock);
    use_zone(zone);
    for (size_t i = 0; i < n; i++) {
        time_t t = (time_t)epochs[i];
        struct tm tm;
        hours[i] = localtime_r(&t, &tm) ? tm.tm_hour : -1;
    }
    pthread_mutex_unlock(&tz_lock);
    return 0;
}
