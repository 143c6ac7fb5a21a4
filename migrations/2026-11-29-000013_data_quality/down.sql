DROP TABLE quality_checks;
DROP TABLE quality_findings;
DROP TABLE quality_runs;
