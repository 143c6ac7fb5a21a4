-- Microloan policy is reference data, versioned by the day it takes effect: a loan is judged
-- by the policy in force on its application date. The district records new versions through
-- the API (audited); the first is the national policy the service began with.
CREATE TABLE loan_policies (
    id TEXT PRIMARY KEY,
    effective_from DATE NOT NULL UNIQUE,
    max_principal_fen BIGINT NOT NULL CHECK (max_principal_fen > 0),
    max_term_months INTEGER NOT NULL CHECK (max_term_months > 0),
    min_borrower_age INTEGER NOT NULL,
    max_borrower_age INTEGER NOT NULL CHECK (max_borrower_age >= min_borrower_age),
    interest_subsidy_share_bp INTEGER NOT NULL CHECK (interest_subsidy_share_bp BETWEEN 0 AND 10000),
    basis TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- 5万元以下、3年以内、财政贴息 (国开办发〔2014〕78号); borrowers aged 18 to 65 (银监发〔2017〕42号).
INSERT INTO loan_policies (id, effective_from, max_principal_fen, max_term_months, min_borrower_age, max_borrower_age, interest_subsidy_share_bp, basis, recorded_by, created_at) VALUES
    ('loan-policy-2014', '2014-01-01', 5000000, 36, 18, 65, 10000,
     '国务院扶贫办等《关于创新发展扶贫小额信贷的指导意见》(国开办发〔2014〕78号): up to 50,000 yuan, up to 3 years, interest paid by the treasury; borrowers 18 to 65 per 银监发〔2017〕42号',
     'migration', '2026-12-04 00:00:00');
