// Members of a segment after a customer id, in customer id order.
MATCH (m:Membership {segment_id: $segment_id})
WHERE m.customer_id > $after
RETURN m {.segment_id, .customer_id, .since, .why} AS membership
ORDER BY m.customer_id
LIMIT $limit
