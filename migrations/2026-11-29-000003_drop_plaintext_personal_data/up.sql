-- The program encrypted every resident ID number and phone after the previous migration.
DROP INDEX members_current_id_number;
ALTER TABLE members DROP COLUMN id_number;
ALTER TABLE households DROP COLUMN phone;
