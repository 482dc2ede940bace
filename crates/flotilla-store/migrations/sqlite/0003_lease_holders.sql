-- flotilla state, schema version 3: a lease's holder as columns (the train it works for, the
-- process and its machine) instead of the text "train ID (pid N on HOST)", so that telling a
-- dead holder from a live one needs no parsing.
--
-- Leases held when upgrading are carried over: the engine wrote every holder in that form, so
-- the text is split once, here. A row in any other form was not written by flotilla and is
-- dropped (a lease is only a time-limited claim; its repository becomes free).

CREATE TABLE repo_leases_v3 (
    repo         TEXT PRIMARY KEY,
    train_id     TEXT NOT NULL,
    pid          INTEGER NOT NULL CHECK (pid >= 0),
    host         TEXT NOT NULL,
    acquired_ms  INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL
);

INSERT INTO repo_leases_v3 (repo, train_id, pid, host, acquired_ms, expires_ms)
SELECT repo,
       substr(holder, 7, instr(holder, ' (pid ') - 7),
       CAST(substr(rest, 1, instr(rest, ' on ') - 1) AS INTEGER),
       substr(rest, instr(rest, ' on ') + 4, length(rest) - instr(rest, ' on ') - 4),
       acquired_ms,
       expires_ms
FROM (SELECT repo, holder, acquired_ms, expires_ms,
             substr(holder, instr(holder, ' (pid ') + 6) AS rest
      FROM repo_leases
      WHERE holder GLOB 'train * (pid [0-9]* on *)');

DROP TABLE repo_leases;
ALTER TABLE repo_leases_v3 RENAME TO repo_leases;
