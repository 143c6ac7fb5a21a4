-- Events from before a household was registered here (an exit decided on paper in 2016) are
-- recorded as history: marked, with the document they rest on and what the registry could not
-- check. A household whose current exit is such an event says so, for statistics with and
-- without history.
ALTER TABLE status_events ADD COLUMN historical BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE status_events ADD COLUMN document_json TEXT;
ALTER TABLE status_events ADD COLUMN unchecked_json TEXT;
ALTER TABLE households ADD COLUMN exit_recorded_as_history BOOLEAN NOT NULL DEFAULT FALSE;
