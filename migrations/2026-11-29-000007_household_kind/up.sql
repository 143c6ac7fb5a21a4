-- `registered` poor households (建档立卡), or `monitored` ones never registered as poor (监测户).
ALTER TABLE households ADD COLUMN kind TEXT NOT NULL DEFAULT 'registered';
