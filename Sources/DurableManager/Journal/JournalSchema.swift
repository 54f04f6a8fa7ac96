/// The journal's schema versions, applied in order and recorded in `schema_migrations`.
///
/// Each entry is the text of `migrations/sqlite/NNNN_*.sql` at the package root, which operators
/// read; `JournalSchemaTests` fails if the two ever differ.
enum JournalSchema {
    /// `PRAGMA application_id` of every journal ("DMGR"), so a foreign SQLite file is refused.
    static let applicationID: Int64 = 0x444D_4752

    static let migrations: [(version: Int, file: String, sql: String)] = [
        (1, "0001_initial.sql", """
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

        """),
        (2, "0002_checksums.sql", """
        -- DurableManager journal, schema 2: checksums. docs/JOURNAL.md explains them.

        -- Every row carries the CRC-32C of its other columns, dm_row_crc(...), a function the
        -- journal's connections register; every read compares it.
        ALTER TABLE manager_state ADD COLUMN crc INTEGER;
        ALTER TABLE objects ADD COLUMN crc INTEGER;
        ALTER TABLE dict_entries ADD COLUMN crc INTEGER;
        ALTER TABLE journal ADD COLUMN crc INTEGER;
        UPDATE manager_state SET crc = dm_row_crc(key, value);
        UPDATE objects SET crc = dm_row_crc(id, type, name, state);
        UPDATE dict_entries SET crc = dm_row_crc(object, key, position, value);
        UPDATE journal SET crc = dm_row_crc(seq, time, object, op, args);

        -- How many rows the checkpoint holds, rewritten by every checkpoint: a row that damage made
        -- vanish is noticed when the objects are loaded.
        INSERT OR REPLACE INTO manager_state (key, value) VALUES ('objects_rows', (SELECT count(*) FROM objects));
        INSERT OR REPLACE INTO manager_state (key, value) VALUES ('entries_rows', (SELECT count(*) FROM dict_entries));
        UPDATE manager_state SET crc = dm_row_crc(key, value) WHERE key IN ('objects_rows', 'entries_rows');

        """),
        (3, "0003_callers.sql", """
        -- DurableManager journal, schema 3: who made each record, and the replies calls got.
        -- docs/JOURNAL.md explains them.

        -- The session and request id of the call that made a record (NULL for the manager's own), and
        -- that call's reply, which a retry of the same call gets after a restart.
        ALTER TABLE journal ADD COLUMN session TEXT;
        ALTER TABLE journal ADD COLUMN request INTEGER;
        ALTER TABLE journal ADD COLUMN reply BLOB;
        UPDATE journal SET crc = dm_row_crc(seq, time, object, op, args, session, request, reply);

        -- The replies still remembered when the last checkpoint ran (the records that carried them are
        -- gone): a reply per (session, request), or with reply NULL, a mark that the session's replies
        -- up to request were forgotten.
        CREATE TABLE replies (
            session TEXT NOT NULL,
            request INTEGER NOT NULL,
            reply   BLOB,
            crc     INTEGER,
            PRIMARY KEY (session, request)
        ) WITHOUT ROWID;

        INSERT OR REPLACE INTO manager_state (key, value) VALUES ('replies_rows', 0);
        UPDATE manager_state SET crc = dm_row_crc(key, value) WHERE key = 'replies_rows';

        """),
        (4, "0004_blocks.sql", """
        -- DurableManager journal, schema 4: dicts, lists and queues in blocks. docs/JOURNAL.md explains them.

        -- A dict's entries and a list's or a queue's items, 256 positions to a row, so that a checkpoint
        -- rewrites only the blocks that changed and a start reads a million entries as four thousand rows.
        -- data is one value in the binary encoding: for a dict [position, key, value, ...] in position
        -- (first-insertion) order, for a list or a queue [first position, item, item, ...] at consecutive
        -- positions (a list's from 0, a queue's from its head). block is position / 256.
        CREATE TABLE blocks (
            object INTEGER NOT NULL,
            block  INTEGER NOT NULL,
            data   BLOB NOT NULL,
            crc    INTEGER,
            PRIMARY KEY (object, block)
        ) WITHOUT ROWID;

        INSERT OR REPLACE INTO manager_state (key, value) VALUES ('blocks_rows', 0);
        UPDATE manager_state SET crc = dm_row_crc(key, value) WHERE key = 'blocks_rows';

        -- Then, in the same transaction, the manager moves every dict's rows of dict_entries and the items
        -- in every list's and queue's state into blocks (SQL cannot read the value encoding; every row's
        -- checksum is checked as it is read), counts them in blocks_rows, and drops dict_entries.

        """),
    ]

    static var latestVersion: Int { migrations.last!.version }

    /// The first version whose rows carry checksums (`crc`) and whose checkpoint counts its rows.
    static let checksumsVersion = 2
    /// The first version whose records carry their caller and reply, with a `replies` table.
    static let callersVersion = 3
    /// The first version that keeps dicts, lists and queues in `blocks`, moved there by
    /// ``JournalConnection``'s own code in the migration's transaction.
    static let blocksVersion = 4
}
