/* db_open: the farm's connection defaults and the DSN's precedence over
 * them, read back from the live connection (PQconninfo). */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* The value libpq settled on for one keyword of an open connection. */
static void conn_option(Db *db, const char *key, char *out, size_t cap)
{
    PQconninfoOption *opts = PQconninfo(db->conn);
    REQUIRE(opts != NULL);
    out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (strcmp(o->keyword, key) == 0 && o->val) snprintf(out, cap, "%s", o->val);
    PQconninfoFree(opts);
}

TEST(db_open_disables_the_kerberos_probe_and_lets_the_dsn_override_every_default)
{
    ThFarm f;
    th_farm_up(&f, 0);
    unsetenv("PGGSSENCMODE");
    FarmErr err = {0};
    Db *db = NULL;
    char v[64];
    REQUIREF(db_open(f.website, "website", &db, &err) == 0, "%s", err.msg);
    conn_option(db, "gssencmode", v, sizeof v);
    CHECK_STR(v, "disable");
    conn_option(db, "connect_timeout", v, sizeof v);
    CHECK_STR(v, "10");
    conn_option(db, "application_name", v, sizeof v);
    CHECK_STR(v, "stratfarm");
    CHECK_INT(th_sql_int(f.website, "SELECT 1"), 1);
    db_close(db);

    /* The DSN's own values win over the farm's defaults. */
    char dsn[512];
    snprintf(dsn, sizeof dsn, "%s connect_timeout=3 application_name=nightly gssencmode=prefer", f.website);
    REQUIREF(db_open(dsn, "website", &db, &err) == 0, "%s", err.msg);
    conn_option(db, "gssencmode", v, sizeof v);
    CHECK_STR(v, "prefer");
    conn_option(db, "connect_timeout", v, sizeof v);
    CHECK_STR(v, "3");
    conn_option(db, "application_name", v, sizeof v);
    CHECK_STR(v, "nightly");
    /* The session settings the farm's SQL relies on are not the DSN's. */
    PGresult *r = PQexec(db->conn, "SHOW TimeZone");
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    CHECK_STR(PQgetvalue(r, 0, 0), "UTC");
    PQclear(r);
    db_close(db);

    /* So does libpq's own environment variable. */
    setenv("PGGSSENCMODE", "prefer", 1);
    REQUIREF(db_open(f.website, "website", &db, &err) == 0, "%s", err.msg);
    conn_option(db, "gssencmode", v, sizeof v);
    CHECK_STR(v, "prefer");
    db_close(db);
    unsetenv("PGGSSENCMODE");

    /* A DSN asking for what the server cannot give fails, with the role. */
    snprintf(dsn, sizeof dsn, "%s gssencmode=require", f.website);
    CHECK(db_open(dsn, "website", &db, &err) != 0);
    CHECK(db == NULL);
    CHECK_CONTAINS(err.msg, "website database: connect");
}
