-- Where a household is in the exit procedure, its exit year, its monitoring flag, and every
-- step of its life as an event with who, when, why and the evidence used.
ALTER TABLE households ADD COLUMN exit_stage TEXT NOT NULL DEFAULT 'none';
ALTER TABLE households ADD COLUMN exit_year INTEGER;
ALTER TABLE households ADD COLUMN notice_started_on DATE;
ALTER TABLE households ADD COLUMN monitoring_kind TEXT;
ALTER TABLE households ADD COLUMN monitoring_risk TEXT;
ALTER TABLE households ADD COLUMN monitoring_since DATE;

CREATE TABLE status_events (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    event TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    reason TEXT,
    reference TEXT,
    evidence_json TEXT,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    role TEXT NOT NULL,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX status_events_household_id ON status_events (household_id, created_at);
