/* config_table.h - the shape of one configuration key, as pgbouncer's
 * bouncer_params[]: name, type, where the value lives, range, default,
 * environment name. lib/config.c has the farm's own table; each job kind
 * brings a table of its own settings (JobKind.config in lib/jobctx.h), whose
 * offsets point into the kind's settings block, so lib/ knows no kind's
 * settings. The loader (lib/config.c) reads all tables the same way: file,
 * then environment, with "file:line: key: reason" errors. */
#ifndef SF_CONFIG_TABLE_H
#define SF_CONFIG_TABLE_H

#include <stddef.h>

typedef enum CfType {
    CF_INT,      /* int, range min..max */
    CF_DOUBLE,   /* double, range min..max (min exclusive with CF_GT_MIN) */
    CF_BOOL,     /* int 0/1 */
    CF_STR,      /* char *, checked by `check` when set */
    CF_ENUM,     /* int, index into `names` */
    CF_KINDS,    /* char ** + size_t: list of kind names */
    CF_NUMS,     /* double * + size_t: ascending positive numbers */
    CF_TICKS,    /* ConfigSymNum * + size_t: symbol -> positive number */
    CF_ZONES,    /* ConfigSymZone * + size_t: symbol -> time zone */
    CF_PAIRS,    /* ConfigSymZone * + size_t: name -> text, each text passed to `check` */
    CF_MOVED,    /* not a value: the key moved to `def`; setting it is an error saying where */
} CfType;

#define CF_GT_MIN 1u   /* the minimum itself is not allowed (tick sizes) */

typedef struct ConfigSymNum { char *symbol; double value; } ConfigSymNum;  /* price units */
typedef struct ConfigSymZone { char *symbol; char *zone; } ConfigSymZone;  /* IANA name */

struct CfKey;
/* Extra check of a string value; fills why and returns -1 to refuse.
 * from_file: the value was read from the file (where secrets are refused). */
typedef int (*CfCheck)(const struct CfKey *k, const char *v, int from_file, char *why,
                       size_t cap);

typedef struct CfKey {
    const char *name;          /* dotted path, "worker.slots" */
    CfType type;
    size_t off;                /* offset of the field in its block (Config, or a kind's settings) */
    size_t count_off;          /* list types: offset of the size_t count */
    double min, max;           /* numbers */
    const char *def;           /* default as text (lists: "a,b" or "K=V,K=V"); CF_MOVED: new name */
    const char *env;           /* NULL: STRATFARM_ + upper(name, '.' -> '_') */
    const char *const *names;  /* CF_ENUM values */
    CfCheck check;             /* CF_STR extra check, or NULL */
    unsigned flags;
} CfKey;

/* Row builders: T is the struct the block is (Config, or a kind's settings). */
#define CF_ROW_INT(n, T, fld, lo, hi, d) {n, CF_INT, offsetof(T, fld), 0, lo, hi, d, NULL, NULL, NULL, 0}
#define CF_ROW_DBL(n, T, fld, lo, hi, d, fl) \
    {n, CF_DOUBLE, offsetof(T, fld), 0, lo, hi, d, NULL, NULL, NULL, fl}
#define CF_ROW_BOOL(n, T, fld, d) {n, CF_BOOL, offsetof(T, fld), 0, 0, 1, d, NULL, NULL, NULL, 0}
#define CF_ROW_STR(n, T, fld, d, env, chk) \
    {n, CF_STR, offsetof(T, fld), 0, 0, 0, d, env, NULL, chk, 0}
#define CF_ROW_ENUM(n, T, fld, names, d) \
    {n, CF_ENUM, offsetof(T, fld), 0, 0, 0, d, NULL, names, NULL, 0}
#define CF_ROW_LIST(n, t, T, fld, cnt, d) \
    {n, t, offsetof(T, fld), offsetof(T, cnt), 0, 0, d, NULL, NULL, NULL, 0}
#define CF_ROW_MOVED(n, to) {n, CF_MOVED, 0, 0, 0, 0, to, NULL, NULL, NULL, 0}

/* Checks a table's string rows may use. */
int config_check_zone(const CfKey *k, const char *v, int from_file, char *why, size_t cap);
int config_check_word(const CfKey *k, const char *v, int from_file, char *why, size_t cap);

#endif
