-- DurableManager journal, schema 1. docs/JOURNAL.md explains every table and record.

-- Facts about the manager: epoch, checkpoint_seq, clean_shutdown.
CREATE TABLE manager_state (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- Every durable object as of the last checkpoint. state is the object's whole state in the
-- binary value encoding; a dict's entries live in dict_entries instead, so that a checkpoint
-- writes only the entries that changed.
CREATE TABLE objects (
    id    INTEGER PRIMARY KEY,
    type  TEXT NOT NULL,
    name  TEXT UNIQUE,
    state BLOB NOT NULL
);

CREATE TABLE dict_entries (
    object   INTEGER NOT NULL,
    key      BLOB NOT NULL,
    position INTEGER NOT NULL,
    value    BLOB NOT NULL,
    PRIMARY KEY (object, key)
) WITHOUT ROWID;

CREATE INDEX dict_entries_order ON dict_entries (object, position);

-- Every mutation since the last checkpoint, in the order it was applied.
CREATE TABLE journal (
    seq    INTEGER PRIMARY KEY,
    time   REAL NOT NULL,
    object INTEGER NOT NULL,
    op     TEXT NOT NULL,
    args   BLOB NOT NULL
);
