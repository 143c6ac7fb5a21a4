-- Money takes two pairs of hands: each loan step and each subsidy entry keeps the id of the
-- account that recorded it, so that the next step can be refused to the same account. Rows
-- from before keep a null id and are judged by the recorder's name.
ALTER TABLE loan_events ADD COLUMN recorded_by_id TEXT;
ALTER TABLE subsidy_entries ADD COLUMN recorded_by_id TEXT;

-- Client systems are granted permissions (space-separated action names) instead of a role:
-- the two former client roles become the grants they stood for.
ALTER TABLE clients ADD COLUMN permissions TEXT NOT NULL DEFAULT '';
UPDATE clients SET permissions = 'read_registry read_changes' WHERE role = 'integration';
UPDATE clients SET permissions = 'read_registry read_changes run_data_quality' WHERE role = 'data_quality';
UPDATE clients SET role = 'client';
-- A person's account never had a client role through the API; one made by hand is disabled
-- rather than given a person's role it never had.
UPDATE users SET disabled = TRUE, role = 'auditor' WHERE role IN ('integration', 'data_quality');
