-- The masked answer of `GET /households/{id}` (a household with its members), kept as the JSON
-- it was rendered to. A row is only a copy: it is served while `version` is the household's
-- current version and `format` the running program's, and rendered again otherwise. It holds
-- masked personal data only, as every reader in the household's region may see it.
CREATE TABLE household_views (
    household_id TEXT PRIMARY KEY REFERENCES households (id),
    version BIGINT NOT NULL,
    format TEXT NOT NULL,
    body TEXT NOT NULL
);
