CREATE TABLE audit_entries_numbered (
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
-- The per-entry chain of before batches is not recomputed here: it needs the audit key.
INSERT INTO audit_entries_numbered
SELECT b.first_seq + e.ordinal, e.id, e.at, e.actor_id, e.actor_name, e.role, e.action,
    e.entity_type, e.entity_id, e.region_code, e.request_id, e.before_json, e.after_json,
    e.prev_hash, e.hash
FROM audit_entries e JOIN audit_batches b ON b.batch_key = e.batch_key;
DROP TABLE audit_entries;
DROP TABLE audit_batches;
ALTER TABLE audit_entries_numbered RENAME TO audit_entries;
CREATE INDEX audit_entries_region_code_seq ON audit_entries (region_code, seq);
CREATE INDEX audit_entries_entity ON audit_entries (entity_type, entity_id);
