/* config_priv.h - what lib/config.c, config_yaml.c and config_dump.c share.
 * Not for other modules: include config.h. */
#ifndef SF_CONFIG_PRIV_H
#define SF_CONFIG_PRIV_H

#include "config.h"

#include <stddef.h>

typedef enum CfType {
    CF_INT,      /* int, range min..max */
    CF_DOUBLE,   /* double, range min..max (min exclusive with CF_GT_MIN) */
    CF_BOOL,     /* int 0/1 */
    CF_STR,      /* char *, checked by `check` when set */
    CF_ENUM,     /* int, index into `names` */
    CF_KINDS,    /* char ** + size_t: list of kind names */
    CF_NUMS,     /* double * + size_t: ascending positive numbers */
    CF_TICKS,    /* ConfigTick * + size_t: symbol -> positive number */
    CF_ZONES,    /* ConfigZone * + size_t: symbol -> time zone */
} CfType;

#define CF_GT_MIN 1u   /* the minimum itself is not allowed (tick sizes) */

/* Where a value came from, for messages. */
typedef struct CfWhere {
    int line;            /* 1-based file line, or 0 */
    char env[80];        /* environment variable name, or "" */
} CfWhere;

struct CfKey;
/* Extra check of a string value; fills why and returns -1 to refuse.
 * from_file: the value was read from the file (where secrets are refused). */
typedef int (*CfCheck)(const struct CfKey *k, const char *v, int from_file, char *why,
                       size_t cap);

typedef struct CfKey {
    const char *name;          /* dotted path, "worker.slots" */
    CfType type;
    size_t off;                /* offsetof(Config, field) */
    size_t count_off;          /* list types: offsetof the size_t count */
    double min, max;           /* numbers */
    const char *def;           /* default as text (lists: "a,b" or "K=V,K=V") */
    const char *env;           /* NULL: STRATFARM_ + upper(name, '.' -> '_') */
    const char *const *names;  /* CF_ENUM values */
    CfCheck check;             /* CF_STR extra check, or NULL */
    unsigned flags;
} CfKey;

extern const CfKey config_keys[];
extern const size_t config_nkeys;

/* One element of a list value: key is NULL for sequences, value is text. */
typedef struct CfItem { const char *key, *value; int line; } CfItem;

typedef struct CfCtx {
    Config *cfg;
    const char *file;          /* for messages */
    char *errs;                /* every message, '\n'-separated */
    size_t errs_len, errs_cap;
    int n_errs;
    CfWhere *where;            /* per config_keys row: where it was last set */
} CfCtx;

void config_error(CfCtx *ctx, const CfWhere *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

const CfKey *config_key_find(const char *name);
/* STRATFARM_<SECTION>_<KEY>, or the row's own name (the DSNs). */
void config_env_name(const CfKey *k, char *buf, size_t cap);
/* Sets a scalar or list key from text; reports its own errors. */
int config_set_text(CfCtx *ctx, const CfKey *k, const char *text, const CfWhere *w);
int config_set_items(CfCtx *ctx, const CfKey *k, const CfItem *items, size_t n, const CfWhere *w);

/* Reads the YAML file into ctx->cfg (config_yaml.c). */
int config_read_file(CfCtx *ctx, const char *path);
void config_schedule_free(ConfigSchedule *s);

/* Secret rules shared by file reading and checks. */
int config_key_is_secret(const char *key);
const char *config_secret_env_hint(const char *path);
int config_has_password(const char *dsn_or_url);

/* Closest of n candidates within edit distance 2, or NULL. */
const char *config_suggest(const char *word, const char *const *cands, size_t n);

/* Strict number and bool parsing (full consumption, no hex, inf or nan). */
int config_parse_int(const char *s, long long *out);
int config_parse_double(const char *s, double *out);
int config_parse_bool(const char *s, int *out);

#endif
