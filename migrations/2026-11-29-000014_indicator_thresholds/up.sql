-- Thresholds of the indicator map (挂图作战) an administrator has set; an indicator without a
-- row uses the defaults built into the program.
CREATE TABLE indicator_thresholds (
    indicator TEXT PRIMARY KEY,
    green BIGINT NOT NULL,
    yellow BIGINT NOT NULL,
    version BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
