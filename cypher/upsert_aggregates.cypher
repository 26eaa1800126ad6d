// Replace per-identifier event aggregates.
UNWIND $rows AS row
MERGE (g:Aggregate {key: row.key})
SET g.data = row.data
