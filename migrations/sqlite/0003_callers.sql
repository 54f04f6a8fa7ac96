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
