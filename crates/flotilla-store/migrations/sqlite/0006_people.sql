-- flotilla state, schema version 6: people and what they did.
-- Tokens are stored as the SHA-256 of their text, never the text: a copy of the database
-- signs no one in. A revoked token stays (the audit log names it); its name can be reused.

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'releaser', 'approver', 'admin')),
    hash         TEXT NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL,
    revoked_ms   INTEGER,
    last_used_ms INTEGER
);

-- One live token per name: the name is who approvals and audit entries record.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_ms IS NULL;

-- A browser signed in with a token. The cookie holds the session id; only its SHA-256 is
-- stored. Revoking the token ends its sessions (they are looked up through it).
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    token_id     TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL
);

CREATE INDEX sessions_expiry ON sessions (expires_ms);

-- Every state-changing action of a person or token, newest last. Never updated or deleted.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    at_ms        INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    detail       TEXT
);

CREATE INDEX audit_log_at ON audit_log (at_ms);

-- Provenance: which run published a digest (`require_provenance`, the trace).
CREATE INDEX artifacts_digest ON artifacts (digest);
