-- pgbench script: the household read's own query (the household's version joined to its
-- rendered copy of that version and format, scoped by region code) for a random id of the
-- benchmark sample. Picking the id is one more index lookup per transaction, so this ceiling
-- is slightly low, not high. `format` is given with -D (the format of the stored copies).
\set n random(1, :sample)
SELECT h.version, v.body
  FROM households h LEFT JOIN household_views v
    ON v.household_id = h.id AND v.version = h.version AND v.format = :format
 WHERE h.id = (SELECT id FROM bench_sample_ids WHERE n = :n)
   AND h.region_code BETWEEN '610199000000' AND '610199999999';
