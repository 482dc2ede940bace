-- flotilla state, schema version 5: replays recognised by what the sender signed. A delivery id
-- header (X-GitHub-Delivery) is outside the signature, so a captured delivery sent again with a
-- new one would be a new event; the key of each event is instead the sha256 of the verified body
-- it came in, with the event's index in that body. Keys are kept for a retention window (the
-- server prunes older ones); events themselves are kept as before.

CREATE TABLE replay_keys (
    replay_key   TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL,
    received_ms  INTEGER NOT NULL
);

CREATE INDEX replay_keys_received ON replay_keys (received_ms);
