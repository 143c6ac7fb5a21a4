ALTER TABLE households DROP COLUMN exit_recorded_as_history;
ALTER TABLE status_events DROP COLUMN unchecked_json;
ALTER TABLE status_events DROP COLUMN document_json;
ALTER TABLE status_events DROP COLUMN historical;
