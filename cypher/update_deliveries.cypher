// The state, attempts and next time of existing deliveries.
UNWIND $rows AS row
MATCH (d:Delivery {id: row.id})
SET d.state = row.state, d.attempts = row.attempts, d.next_at = row.next_at,
    d.last_status = row.last_status, d.last_error = row.last_error,
    d.delivered_at = row.delivered_at
