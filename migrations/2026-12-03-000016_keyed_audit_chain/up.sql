-- The sealed head of the audit chain: the newest entry's number and hash under a keyed hash.
-- The program keys the existing chain right after this migration (see audit::key_the_chain).
ALTER TABLE audit_chain ADD COLUMN mac TEXT NOT NULL DEFAULT '';
