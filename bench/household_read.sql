-- pgbench script: the household read's own query (households left join members, scoped by
-- region code, members in id order) for a random id of the benchmark sample. Picking the id
-- is one more index lookup per transaction, so this ceiling is slightly low, not high.
\set n random(1, :sample)
SELECT h.*, m.*
  FROM households h LEFT JOIN members m ON m.household_id = h.id
 WHERE h.id = (SELECT id FROM bench_sample_ids WHERE n = :n)
   AND h.region_code BETWEEN '610199000000' AND '610199999999'
 ORDER BY m.id;
