UPDATE clients SET role = 'data_quality' WHERE permissions LIKE '%run_data_quality%';
UPDATE clients SET role = 'integration' WHERE role = 'client';
ALTER TABLE clients DROP COLUMN permissions;
ALTER TABLE subsidy_entries DROP COLUMN recorded_by_id;
ALTER TABLE loan_events DROP COLUMN recorded_by_id;
