-- The national rural poverty standard (2,300 yuan per person per year at 2010 prices) at each
-- year's prices, each figure with the publication that states it. `exact` is false where only
-- a rounded figure was published (2020: "about 4,000 yuan"); such a figure is shown, never
-- used to judge an exit: the district records the line it applies (poverty_lines), which may be
-- higher than the national one (a province's own standard) but never lower.
CREATE TABLE national_poverty_lines (
    year INTEGER PRIMARY KEY,
    line_fen BIGINT NOT NULL CHECK (line_fen > 0),
    exact BOOLEAN NOT NULL,
    source TEXT NOT NULL
);

INSERT INTO national_poverty_lines (year, line_fen, exact, source) VALUES
    (2014, 280000, TRUE, '国务院新闻办公室新闻发布会，国务院扶贫办主任刘永富，2015-12-15: “中国去年是2800元” (the 2014 line at current prices); 国家统计局《中国农村贫困监测报告2015》'),
    (2015, 285500, TRUE, '国家统计局住户调查办公室《中国农村贫困监测报告2016》: 2015年现行农村贫困标准2855元'),
    (2016, 295200, TRUE, '国家统计局住户调查办公室《中国农村贫困监测报告2017》: 2016年现行农村贫困标准2952元'),
    (2017, 295200, TRUE, '国家统计局住户调查办公室《中国农村贫困监测报告2018》: 2017年现行农村贫困标准2952元'),
    (2018, 299500, TRUE, '国家统计局住户调查办公室《中国农村贫困监测报告2019》: 2018年现行农村贫困标准2995元'),
    (2019, 321800, TRUE, '国家统计局: 2019年末按现行标准（2010年不变价2300元，当年现价3218元）'),
    (2020, 400000, FALSE, '国务院扶贫办/国务院新闻办公室, 2020-2021: 现行标准2020年约4000元 (only "about 4,000 yuan" was published)');
