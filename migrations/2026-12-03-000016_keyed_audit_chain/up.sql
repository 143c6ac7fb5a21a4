-- The sealed head of the audit chain: the newest entry's number and hash under a keyed hash.
-- The program keys the existing chain after migration …000017 (see audit::batch_the_chain).
ALTER TABLE audit_chain ADD COLUMN mac TEXT NOT NULL DEFAULT '';
