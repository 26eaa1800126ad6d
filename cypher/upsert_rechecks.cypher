// When each (segment, customer) must be evaluated again.
UNWIND $rows AS row
MERGE (r:Recheck {key: row.key})
SET r.segment_id = row.segment_id, r.customer_id = row.customer_id, r.due_at = row.due_at
