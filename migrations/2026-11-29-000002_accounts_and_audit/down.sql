DROP INDEX members_current_id_number_hmac;
ALTER TABLE households DROP COLUMN phone_cipher;
ALTER TABLE members DROP COLUMN id_number_hmac;
ALTER TABLE members DROP COLUMN id_number_cipher;
DROP TABLE audit_chain;
DROP TABLE audit_entries;
DROP TABLE refresh_tokens;
DROP TABLE clients;
DROP TABLE users;
