-- Business entities households are linked to (利益联结), and dividend rounds shared by stake.
CREATE TABLE business_entities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX business_entities_region_code ON business_entities (region_code, id);

CREATE TABLE entity_links (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES business_entities (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    stake BIGINT,
    land_hundredth_mu BIGINT,
    rent_per_mu_fen BIGINT,
    starts_on DATE NOT NULL,
    ends_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX entity_links_entity_id ON entity_links (entity_id);

CREATE TABLE dividend_rounds (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES business_entities (id),
    period TEXT NOT NULL,
    pool_fen BIGINT NOT NULL,
    record_date DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (entity_id, period)
);

CREATE TABLE dividend_entries (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES dividend_rounds (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    region_code TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dividend_entries_round_id ON dividend_entries (round_id);
