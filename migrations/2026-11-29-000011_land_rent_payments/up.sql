-- Land rent paid to households for land leased to an entity; a reference is recorded once per link.
CREATE TABLE land_rent_payments (
    id TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES entity_links (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    region_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_on DATE NOT NULL,
    reference TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (link_id, reference)
);
CREATE INDEX land_rent_payments_household_id ON land_rent_payments (household_id);
