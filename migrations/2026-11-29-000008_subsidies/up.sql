-- Subsidies paid to households: append-only. A correction is a reversing entry pointing at the
-- entry it reverses (once); a reference number is unique per source, so a re-sent payment file
-- does not pay twice.
CREATE TABLE subsidy_entries (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    member_id TEXT REFERENCES members (id),
    category TEXT NOT NULL,
    insurance_layer TEXT,
    source TEXT NOT NULL,
    program TEXT,
    amount_fen BIGINT NOT NULL,
    paid_on DATE NOT NULL,
    reference TEXT NOT NULL,
    reverses_id TEXT UNIQUE REFERENCES subsidy_entries (id),
    note TEXT,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (source, reference)
);
CREATE INDEX subsidy_entries_region_code_id ON subsidy_entries (region_code, id);
CREATE INDEX subsidy_entries_household_id ON subsidy_entries (household_id, paid_on);
