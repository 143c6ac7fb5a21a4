DROP TABLE dividend_entries;
DROP TABLE dividend_rounds;
DROP TABLE entity_links;
DROP TABLE business_entities;
