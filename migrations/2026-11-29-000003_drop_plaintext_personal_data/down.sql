-- Plaintext cannot come back from a migration: restore from the encrypted columns with the keys.
ALTER TABLE households ADD COLUMN phone TEXT;
ALTER TABLE members ADD COLUMN id_number TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX members_current_id_number ON members (id_number) WHERE left_on IS NULL AND id_number <> '';
