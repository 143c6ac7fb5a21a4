-- 两不愁三保障 assessments. Items that follow from member data (compulsory education, basic
-- medical care) are derived when read; only an override of a derived failure is stored, with
-- its reason.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    assessed_on DATE NOT NULL,
    food_ok BOOLEAN NOT NULL,
    food_note TEXT,
    clothing_ok BOOLEAN NOT NULL,
    clothing_note TEXT,
    housing_grade TEXT NOT NULL,
    housing_note TEXT,
    water_ok BOOLEAN NOT NULL,
    water_note TEXT,
    education_override TEXT,
    medical_override TEXT,
    assessed_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_household_id ON assessments (household_id, assessed_on);
