-- Poverty lines per year (yuan per person per year, stored in fen), managed by administrators,
-- and household incomes, one record per household and year with every correction kept.
CREATE TABLE poverty_lines (
    year INTEGER PRIMARY KEY,
    poverty_line_fen BIGINT NOT NULL CHECK (poverty_line_fen > 0),
    monitoring_line_fen BIGINT NOT NULL CHECK (monitoring_line_fen >= poverty_line_fen),
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The national rural poverty standard (2,300 yuan per person per year at 2010 prices) at each
-- year's prices, as published by the National Bureau of Statistics. The monitoring lines are an
-- assumption (1.5 times the poverty line) to be replaced with the province's own.
INSERT INTO poverty_lines (year, poverty_line_fen, monitoring_line_fen, source, version, created_at, updated_at) VALUES
    (2014, 280000, 420000, 'National rural poverty standard at current prices (NBS, 中国农村贫困监测报告); monitoring line assumed 1.5x', 1, '2026-11-29 00:00:00', '2026-11-29 00:00:00'),
    (2015, 285500, 428250, 'National rural poverty standard at current prices (NBS, 中国农村贫困监测报告); monitoring line assumed 1.5x', 1, '2026-11-29 00:00:00', '2026-11-29 00:00:00'),
    (2016, 295200, 442800, 'National rural poverty standard at current prices (NBS, 中国农村贫困监测报告); monitoring line assumed 1.5x', 1, '2026-11-29 00:00:00', '2026-11-29 00:00:00'),
    (2018, 299500, 449250, 'National rural poverty standard at current prices (NBS, 中国农村贫困监测报告); monitoring line assumed 1.5x', 1, '2026-11-29 00:00:00', '2026-11-29 00:00:00'),
    (2019, 321800, 482700, 'National rural poverty standard at current prices (NBS, 中国农村贫困监测报告); monitoring line assumed 1.5x', 1, '2026-11-29 00:00:00', '2026-11-29 00:00:00');

CREATE TABLE income_records (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    county_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    version BIGINT NOT NULL,
    wage_fen BIGINT NOT NULL,
    production_fen BIGINT NOT NULL,
    property_fen BIGINT NOT NULL,
    transfer_fen BIGINT NOT NULL,
    production_cost_fen BIGINT NOT NULL,
    recorded_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (household_id, year, version)
);
