// The oldest pending deliveries, by (change, endpoint).
MATCH (d:Delivery {state: $state})
RETURN d {.*} AS delivery
ORDER BY d.seq, d.endpoint_id
LIMIT $limit
