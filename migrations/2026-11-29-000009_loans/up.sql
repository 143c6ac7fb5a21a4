-- Microloans: the loan, its schedule (generated once, on disbursement) and its repayments
-- (append-only). Arrears and overdue are computed as of a date when read.
CREATE TABLE loans (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id),
    bank TEXT NOT NULL,
    principal_fen BIGINT NOT NULL CHECK (principal_fen > 0),
    term_months INTEGER NOT NULL,
    annual_rate_bp BIGINT NOT NULL,
    subsidy_share_bp BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    applied_on DATE NOT NULL,
    decided_on DATE,
    disbursed_on DATE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX loans_region_code_id ON loans (region_code, id);
CREATE INDEX loans_household_id ON loans (household_id);

CREATE TABLE loan_instalments (
    loan_id TEXT NOT NULL REFERENCES loans (id),
    period INTEGER NOT NULL,
    due_on DATE NOT NULL,
    principal_fen BIGINT NOT NULL,
    interest_fen BIGINT NOT NULL,
    PRIMARY KEY (loan_id, period)
);

CREATE TABLE loan_repayments (
    id TEXT PRIMARY KEY,
    loan_id TEXT NOT NULL REFERENCES loans (id),
    paid_on DATE NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    reference TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (loan_id, reference)
);
