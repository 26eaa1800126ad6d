// Time-based re-checks by key (segment_id|customer_id).
UNWIND $keys AS key
MATCH (r:Recheck {key: key})
DELETE r
