// (segment, customer) pairs whose time-based re-check is due, soonest first.
MATCH (r:Recheck)
WHERE r.due_at <= $at
RETURN r.segment_id AS segment_id, r.customer_id AS customer_id, r.due_at AS due_at
ORDER BY r.due_at, r.segment_id, r.customer_id
LIMIT $limit
