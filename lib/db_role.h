/* db_role.h - the three logical databases (docs/architecture.md,
 * "Databases"): History (candles, read-only), Backtest (the farm's own),
 * Website (the platform's). An enum, so no code matches their names. */
#ifndef SF_DB_ROLE_H
#define SF_DB_ROLE_H

typedef enum DbRole { DB_WEBSITE, DB_BACKTEST, DB_HISTORY, DB_ROLE_COUNT } DbRole;

/* "website", "backtest", "history" (static), or "?". */
const char *db_role_name(DbRole role);
/* The role named name: 0, or -1 when name is none of the three. */
int db_role_parse(const char *name, DbRole *out);

#endif
