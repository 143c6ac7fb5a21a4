ALTER TABLE audit_chain DROP COLUMN mac;
