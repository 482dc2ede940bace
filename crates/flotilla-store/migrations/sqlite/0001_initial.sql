-- flotilla state, schema version 1.
-- Timestamps are unix milliseconds (UTC) in INTEGER columns: exact ordering and
-- lease-expiry comparisons without relying on a text format; BIGINT in PostgreSQL.
-- Ids are 26-character ULIDs (text): sortable by creation time, unique across
-- processes and nodes without a central sequence.
-- JSON columns are TEXT here; PostgreSQL would use JSONB.

CREATE TABLE trains (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('release-start', 'tag', 'final', 'hotfix', 'push')),
    version     TEXT NOT NULL,
    request     TEXT NOT NULL,
    status      TEXT NOT NULL
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled', 'partial')),
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
);

-- At most one active train per (kind, version): the backstop of the conflict check,
-- which also holds when several processes or nodes start trains at once.
CREATE UNIQUE INDEX trains_one_active ON trains (kind, version)
    WHERE status IN ('pending', 'running');
CREATE INDEX trains_created ON trains (created_ms);

CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    train_id    TEXT REFERENCES trains (id) ON DELETE CASCADE,
    repo        TEXT NOT NULL,
    event       TEXT NOT NULL,
    version     TEXT NOT NULL,
    wave        INTEGER NOT NULL CHECK (wave >= 0),
    status      TEXT NOT NULL
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'blocked', 'skipped', 'cancelled')),
    blocked_by  TEXT,
    error       TEXT,
    created_ms  INTEGER NOT NULL,
    started_ms  INTEGER,
    ended_ms    INTEGER
);

CREATE INDEX runs_train ON runs (train_id, wave);

CREATE TABLE steps (
    id          TEXT PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL CHECK (idx >= 0),
    kind        TEXT NOT NULL,
    description TEXT NOT NULL,
    status      TEXT NOT NULL
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
    attempt     INTEGER NOT NULL DEFAULT 0,
    started_ms  INTEGER,
    ended_ms    INTEGER,
    exit_code   INTEGER,
    log_path    TEXT,
    detail      TEXT,
    UNIQUE (run_id, idx)
);

CREATE TABLE artifacts (
    id          TEXT PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('image', 'python', 'npm', 'chart')),
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    digest      TEXT NOT NULL,
    target      TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    UNIQUE (kind, name, version, target, digest)
);

CREATE INDEX artifacts_run ON artifacts (run_id);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    received_ms  INTEGER NOT NULL,
    processed_ms INTEGER,
    status       TEXT NOT NULL CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
    error        TEXT,
    UNIQUE (source, delivery_id)
);

CREATE INDEX events_status ON events (status, received_ms);

CREATE TABLE repo_leases (
    repo         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    acquired_ms  INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL
);
