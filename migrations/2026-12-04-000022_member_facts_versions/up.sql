-- What the assessment items are derived from (schooling, health, disability, insurance), as
-- each member was from the moment the registry recorded each version: a past year's exit is
-- evaluated on the members as they were then, not as they are now. Members recorded before
-- this migration start with their current facts, known since they were registered.
CREATE TABLE member_facts_versions (
    member_id TEXT NOT NULL REFERENCES members (id),
    member_version BIGINT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    schooling TEXT NOT NULL,
    health TEXT NOT NULL,
    disability TEXT NOT NULL,
    basic_medical_insurance BOOLEAN NOT NULL,
    critical_illness_insurance BOOLEAN NOT NULL,
    PRIMARY KEY (member_id, member_version)
);

INSERT INTO member_facts_versions (member_id, member_version, recorded_at, schooling, health, disability, basic_medical_insurance, critical_illness_insurance)
    SELECT id, version, created_at, schooling, health, disability, basic_medical_insurance, critical_illness_insurance FROM members;
