-- Stored answers to Idempotency-Key requests expire (see api/src/idempotency.rs): each keyed
-- write purges the expired ones, which this index finds without reading the whole table.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
