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
