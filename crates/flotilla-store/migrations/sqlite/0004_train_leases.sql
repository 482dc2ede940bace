-- flotilla state, schema version 4: the process driving a train. One row per train while a
-- process drives it; the driver renews `heartbeat_ms` and `expires_ms` every few seconds, so a
-- row whose `expires_ms` has passed belongs to a driver that died (on any machine), and its
-- `heartbeat_ms` says since when the train has had no live driver.

CREATE TABLE train_leases (
    train_id      TEXT PRIMARY KEY REFERENCES trains(id) ON DELETE CASCADE,
    pid           INTEGER NOT NULL CHECK (pid >= 0),
    host          TEXT NOT NULL,
    started_ms    INTEGER NOT NULL,
    heartbeat_ms  INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL
);
