-- flotilla state, schema version 8: cancelling a train that another process drives.
-- Someone (a CLI on another machine, the dashboard, the API) records the request on the train;
-- the driving process reads it with its heartbeat and stops the train at once (its running
-- command is stopped, as Ctrl-C would). Driving the train again (resume, retry) clears it.

ALTER TABLE trains ADD COLUMN cancel_requested_ms INTEGER;
ALTER TABLE trains ADD COLUMN cancel_requested_by TEXT;
