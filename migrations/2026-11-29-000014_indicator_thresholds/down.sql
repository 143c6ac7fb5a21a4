DROP TABLE indicator_thresholds;
