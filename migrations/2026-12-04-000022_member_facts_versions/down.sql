DROP TABLE member_facts_versions;
