-- Regions, households and members. Keys are UUIDv7 text (no global sequence), every household
-- record carries its county code as the natural shard key, timestamps are UTC.
CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) = 12),
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('district', 'town', 'village')),
    parent_code TEXT REFERENCES regions (code),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX regions_parent_code ON regions (parent_code);

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    household_number TEXT NOT NULL UNIQUE,
    head_name TEXT NOT NULL,
    phone TEXT,
    address TEXT NOT NULL,
    attribute TEXT NOT NULL,
    main_cause TEXT NOT NULL,
    other_cause_1 TEXT,
    other_cause_2 TEXT,
    identified_year INTEGER NOT NULL,
    status TEXT NOT NULL,
    member_count INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX households_region_code_id ON households (region_code, id);
CREATE INDEX households_head_name ON households (head_name);

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date DATE NOT NULL,
    relation TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    education TEXT NOT NULL,
    schooling TEXT NOT NULL,
    health TEXT NOT NULL,
    disability TEXT NOT NULL,
    labour_ability TEXT NOT NULL,
    employment TEXT NOT NULL,
    basic_medical_insurance BOOLEAN NOT NULL,
    critical_illness_insurance BOOLEAN NOT NULL,
    pension_insurance BOOLEAN NOT NULL,
    left_on DATE,
    leave_reason TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX members_household_id ON members (household_id, id);
CREATE INDEX members_region_code_id ON members (region_code, id);
-- A person belongs to at most one household at a time; a household has exactly one head.
CREATE UNIQUE INDEX members_current_id_number ON members (id_number) WHERE left_on IS NULL;
CREATE UNIQUE INDEX members_current_head ON members (household_id) WHERE relation = 'head' AND left_on IS NULL;

-- Answers already given to POSTs with an Idempotency-Key, replayed on retry.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT NOT NULL,
    request_method TEXT NOT NULL,
    request_path TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    response_etag TEXT,
    response_location TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (idempotency_key, request_method, request_path)
);
