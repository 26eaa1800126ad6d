// An endpoint's deliveries, newest first, optionally of one state.
MATCH (d:Delivery {endpoint_id: $endpoint_id})
WHERE $state IS NULL OR d.state = $state
RETURN d {.*} AS delivery
ORDER BY d.seq DESC
LIMIT $limit
