-- flotilla state, schema version 7: a journal of deployment changes.
-- Every insert or update of a deployment appends its (service, environment), in order, so a
-- reader that keeps the fleet's view (the dashboard's fleet page) reads again only the pairs
-- that changed since the sequence number it saw. Triggers write it, so no writer can forget.
-- The newest 10,000 entries are kept; a reader further behind reads everything again.

CREATE TABLE deployment_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    service     TEXT NOT NULL,
    environment TEXT NOT NULL
);

CREATE TRIGGER deployment_inserted AFTER INSERT ON deployments
BEGIN
    INSERT INTO deployment_changes (service, environment) VALUES (NEW.service, NEW.environment);
    DELETE FROM deployment_changes WHERE seq <= last_insert_rowid() - 10000;
END;

CREATE TRIGGER deployment_updated AFTER UPDATE ON deployments
BEGIN
    INSERT INTO deployment_changes (service, environment) VALUES (NEW.service, NEW.environment);
    DELETE FROM deployment_changes WHERE seq <= last_insert_rowid() - 10000;
END;
