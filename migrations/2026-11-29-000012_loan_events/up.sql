-- Every step of a loan's life, appended and never changed: the loan row's status is only the
-- latest of these. An extension carries the new maturity, which revises the stored schedule's
-- last due date when the schedule is read (the schedule itself stays as generated).
CREATE TABLE loan_events (
    loan_id TEXT NOT NULL REFERENCES loans (id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    reason TEXT,
    maturity_on DATE,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (loan_id, seq)
);

-- Loans recorded before this table: their history as far as the loan row still tells it.
INSERT INTO loan_events (loan_id, seq, status, occurred_on, recorded_by, created_at)
SELECT id, 1, 'applied', applied_on, 'migration', created_at FROM loans;
INSERT INTO loan_events (loan_id, seq, status, occurred_on, recorded_by, created_at)
SELECT id, 2, CASE WHEN status = 'rejected' THEN 'rejected' ELSE 'approved' END, decided_on,
       'migration', created_at
FROM loans WHERE decided_on IS NOT NULL;
INSERT INTO loan_events (loan_id, seq, status, occurred_on, recorded_by, created_at)
SELECT id, 3, 'disbursed', disbursed_on, 'migration', created_at
FROM loans WHERE disbursed_on IS NOT NULL;
INSERT INTO loan_events (loan_id, seq, status, occurred_on, recorded_by, created_at)
SELECT id, 4, status, disbursed_on, 'migration', updated_at
FROM loans WHERE status IN ('extended', 'repaid', 'written_off') AND disbursed_on IS NOT NULL;
