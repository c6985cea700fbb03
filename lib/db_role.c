#include "db_role.h"

#include <string.h>

static const char *const names[DB_ROLE_COUNT] = {"website", "backtest", "history"};

const char *db_role_name(DbRole role)
{
    return (int)role >= 0 && role < DB_ROLE_COUNT ? names[role] : "?";
}

int db_role_parse(const char *name, DbRole *out)
{
    for (int i = 0; name && i < DB_ROLE_COUNT; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (DbRole)i;
            return 0;
        }
    return -1;
}
