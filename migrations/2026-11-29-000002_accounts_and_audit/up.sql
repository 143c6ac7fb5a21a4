-- People and client systems, their refresh tokens, and the chained audit trail.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    region_code TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    region_code TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Only a hash of each refresh token is kept; using one replaces it (rotation).
CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);

-- Append-only; each entry stores the hash of its content and of the entry before it.
CREATE TABLE audit_entries (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    region_code TEXT,
    request_id TEXT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entries_region_code_seq ON audit_entries (region_code, seq);
CREATE INDEX audit_entries_entity ON audit_entries (entity_type, entity_id);

-- The head of the chain: one row, updated by every append, which also serialises appends.
CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Personal data is stored encrypted beside a keyed hash for exact lookup and uniqueness.
-- The plaintext columns are emptied by the program right after this migration and dropped
-- by the next one.
ALTER TABLE members ADD COLUMN id_number_cipher TEXT;
ALTER TABLE members ADD COLUMN id_number_hmac TEXT;
ALTER TABLE households ADD COLUMN phone_cipher TEXT;
CREATE UNIQUE INDEX members_current_id_number_hmac ON members (id_number_hmac) WHERE left_on IS NULL;
