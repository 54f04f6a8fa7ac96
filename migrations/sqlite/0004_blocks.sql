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
