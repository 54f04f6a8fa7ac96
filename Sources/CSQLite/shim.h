#include <sqlite3.h>

// sqlite3_db_config is variadic, which Swift cannot call; this is its (int, int*) form.
static inline int sqlite3_db_config_int(sqlite3 *db, int option, int value) {
    return sqlite3_db_config(db, option, value, (int *)0);
}
