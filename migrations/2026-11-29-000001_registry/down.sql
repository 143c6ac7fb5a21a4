DROP TABLE idempotency_keys;
DROP TABLE members;
DROP TABLE households;
DROP TABLE regions;
