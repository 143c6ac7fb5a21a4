DROP TABLE status_events;
ALTER TABLE households DROP COLUMN monitoring_since;
ALTER TABLE households DROP COLUMN monitoring_risk;
ALTER TABLE households DROP COLUMN monitoring_kind;
ALTER TABLE households DROP COLUMN notice_started_on;
ALTER TABLE households DROP COLUMN exit_year;
ALTER TABLE households DROP COLUMN exit_stage;
