DROP TABLE national_poverty_lines;
