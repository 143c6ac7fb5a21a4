DROP TABLE income_records;
DROP TABLE poverty_lines;
