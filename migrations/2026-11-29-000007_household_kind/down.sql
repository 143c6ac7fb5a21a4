ALTER TABLE households DROP COLUMN kind;
