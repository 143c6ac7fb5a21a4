-- Data-quality runs (kept), the current findings (replaced for each household a run checks, so
-- a fixed record's findings disappear on the next run), and each household's latest check.
CREATE TABLE quality_runs (
    id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    scope_code TEXT,
    year INTEGER NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    households_checked BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    run_by TEXT NOT NULL
);
CREATE INDEX quality_runs_started_at ON quality_runs (started_at);

CREATE TABLE quality_findings (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES quality_runs (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    region_code TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    message_en TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    found_at TIMESTAMP NOT NULL
);
CREATE INDEX quality_findings_region_code_id ON quality_findings (region_code, id);
CREATE INDEX quality_findings_household_id ON quality_findings (household_id);

CREATE TABLE quality_checks (
    household_id TEXT PRIMARY KEY REFERENCES households (id),
    region_code TEXT NOT NULL,
    run_id TEXT NOT NULL REFERENCES quality_runs (id),
    checked_at TIMESTAMP NOT NULL
);
CREATE INDEX quality_checks_region_code ON quality_checks (region_code);
