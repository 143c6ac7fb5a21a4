DROP TABLE subsidy_entries;
