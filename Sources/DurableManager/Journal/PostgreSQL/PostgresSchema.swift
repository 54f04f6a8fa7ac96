import Foundation

/// The schema of a journal on PostgreSQL, applied in order and recorded in its `schema_migrations`.
///
/// Each entry is the text of `migrations/postgresql/NNNN_*.sql` at the package root, which
/// operators read; `JournalSchemaTests` fails if the two ever differ.
enum PostgresSchema {
    /// `manager_state`'s `application_id` in every journal ("DMGR"), so that a schema of
    /// another application is refused.
    static let applicationID: Int64 = 0x444D_4752

    static let migrations: [(version: Int, file: String, sql: String)] = [
        (1, "0001_initial.sql", """
        -- DurableManager journal on PostgreSQL, schema 1: the tables of the SQLite journal's schema 4, in
        -- the schema `serve --pg-schema` names (durablemanager by default). docs/JOURNAL.md explains them.
        -- Rows carry no checksum of their own: PostgreSQL checks its pages (initdb --data-checksums).

        -- Facts about the journal: application_id (DMGR, so a foreign schema is refused), epoch,
        -- checkpoint_seq, clean_shutdown, and the row counts the last checkpoint wrote.
        CREATE TABLE manager_state (
            key   text PRIMARY KEY,
            value bigint NOT NULL
        );

        -- Every durable object as of the last checkpoint, in the binary value encoding.
        CREATE TABLE objects (
            id    bigint PRIMARY KEY,
            type  text NOT NULL,
            name  text UNIQUE,
            state bytea NOT NULL
        );

        -- A dict's entries and a list's or a queue's items, 256 positions to a row.
        CREATE TABLE blocks (
            object bigint NOT NULL,
            block  bigint NOT NULL,
            data   bytea NOT NULL,
            PRIMARY KEY (object, block)
        );

        -- Every mutation since the last checkpoint, in the order it was applied, with the call that made it.
        CREATE TABLE journal (
            seq     bigint PRIMARY KEY,
            time    double precision NOT NULL,
            object  bigint NOT NULL,
            op      text NOT NULL,
            args    bytea NOT NULL,
            session text,
            request bigint,
            reply   bytea
        );

        -- The replies still remembered when the last checkpoint ran.
        CREATE TABLE replies (
            session text NOT NULL,
            request bigint NOT NULL,
            reply   bytea,
            PRIMARY KEY (session, request)
        );

        INSERT INTO manager_state (key, value) VALUES
            ('application_id', 1145915218), ('epoch', 0), ('checkpoint_seq', 0), ('clean_shutdown', 1),
            ('objects_rows', 0), ('blocks_rows', 0), ('replies_rows', 0);

        -- Fencing: a manager writes only while the journal's epoch is its own. A standby that takes over
        -- raises the epoch first, so every later write of the manager it replaced fails here, in the
        -- write's own transaction. FOR SHARE makes the raise wait for a write already under way.
        CREATE FUNCTION fence(expected_epoch bigint) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        BEGIN
            PERFORM 1 FROM manager_state WHERE key = 'epoch' AND value = expected_epoch FOR SHARE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'the manager of epoch % was replaced: another manager took over this journal', expected_epoch
                    USING ERRCODE = 'DM001';
            END IF;
        END $$;

        -- One commit: the fence and every record of a group commit in one statement, one round trip. An
        -- empty session stands for a record no call made (its request is then NULL too), an empty reply
        -- for none: no session id and no encoded value is empty.
        CREATE FUNCTION append_records(
            expected_epoch bigint, seqs bigint[], times double precision[], objects bigint[], ops text[],
            args bytea[], sessions text[], requests bigint[], replies bytea[]
        ) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        BEGIN
            PERFORM fence(expected_epoch);
            INSERT INTO journal (seq, time, object, op, args, session, request, reply)
                SELECT r.seq, r.time, r.object, r.op, r.args, NULLIF(r.session, ''),
                       CASE WHEN r.session = '' THEN NULL ELSE r.request END, NULLIF(r.reply, ''::bytea)
                FROM unnest(seqs, times, objects, ops, args, sessions, requests, replies)
                    AS r(seq, time, object, op, args, session, request, reply);
        END $$;

        """),
    ]

    static var latestVersion: Int { migrations.last!.version }

    /// The statements of a migration, split at the semicolons that end them: not those in a
    /// comment, a quoted string or a dollar-quoted function body.
    static func statements(of sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var dollarTag: String?
        var inString = false
        var inComment = false
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            let rest = sql[index...]
            if inComment {
                if character == "\n" { inComment = false }
            } else if let tag = dollarTag {
                if rest.hasPrefix(tag) {
                    current += tag
                    index = sql.index(index, offsetBy: tag.count)
                    dollarTag = nil
                    continue
                }
            } else if inString {
                if character == "'" { inString = false }
            } else if rest.hasPrefix("--") {
                inComment = true
            } else if character == "'" {
                inString = true
            } else if character == "$", let end = rest.dropFirst().firstIndex(of: "$"),
                      rest[rest.index(after: index)..<end].allSatisfy({ $0.isLetter || $0 == "_" }) {
                let tag = String(rest[index...end])
                current += tag
                index = sql.index(after: end)
                dollarTag = tag
                continue
            } else if character == ";" {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
                index = sql.index(after: index)
                continue
            }
            if !inComment { current.append(character) }
            index = sql.index(after: index)
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements.filter { !$0.isEmpty }
    }
}
