-- flotilla state, schema version 2: continuous deployment.
-- One row per request to put a version of a service in an environment, from the
-- moment it is requested (awaiting approval or approved by policy) to its outcome.
-- It is never deleted: it is the deployment history and what rollback reads.

CREATE TABLE deployments (
    id           TEXT PRIMARY KEY,
    service      TEXT NOT NULL,
    environment  TEXT NOT NULL,
    version      TEXT NOT NULL,
    image        TEXT NOT NULL,
    digest       TEXT NOT NULL,
    trigger      TEXT NOT NULL,
    status       TEXT NOT NULL
                 CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'running',
                                   'succeeded', 'failed', 'skipped', 'superseded')),
    requested_by TEXT NOT NULL,
    decided_by   TEXT,
    decided_ms   INTEGER,
    expires_ms   INTEGER,
    created_ms   INTEGER NOT NULL,
    started_ms   INTEGER,
    finished_ms  INTEGER,
    error        TEXT,
    detail       TEXT
);

-- History of a service (per environment), newest first.
CREATE INDEX deployments_history ON deployments (service, environment, created_ms);
-- What runs where: the latest succeeded deployment per (service, environment).
CREATE INDEX deployments_outcome ON deployments (service, environment, status, finished_ms);
-- The approval queue and its expiry sweep.
CREATE INDEX deployments_status ON deployments (status, expires_ms);
