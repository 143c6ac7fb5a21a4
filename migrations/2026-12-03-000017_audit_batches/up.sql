-- The audit trail in batches, one per writing transaction, so that only sealing a batch at
-- commit queues on the chain head (see audit.rs). An entry's number is its batch's first
-- number plus its ordinal in the batch; the entries written before batches become one batch,
-- their numbers kept as ordinals. The program seals that batch right after this migration
-- (audit::batch_the_chain).
CREATE TABLE audit_batches (
    batch_key TEXT PRIMARY KEY,
    first_seq BIGINT NOT NULL UNIQUE,
    last_seq BIGINT NOT NULL UNIQUE,
    last_hash TEXT NOT NULL,
    prev_mac TEXT NOT NULL,
    mac TEXT NOT NULL
);

CREATE TABLE audit_entries_batched (
    id TEXT PRIMARY KEY,
    batch_key TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
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
    hash TEXT NOT NULL,
    UNIQUE (batch_key, ordinal)
);
INSERT INTO audit_entries_batched (id, batch_key, ordinal, at, actor_id, actor_name, role,
    action, entity_type, entity_id, region_code, request_id, before_json, after_json,
    prev_hash, hash)
SELECT id, 'before-batches', seq, at, actor_id, actor_name, role, action, entity_type,
    entity_id, region_code, request_id, before_json, after_json, prev_hash, hash
FROM audit_entries;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_batched RENAME TO audit_entries;
CREATE INDEX audit_entries_region_code ON audit_entries (region_code);
CREATE INDEX audit_entries_entity ON audit_entries (entity_type, entity_id);
