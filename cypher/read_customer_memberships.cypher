// Every membership of these customers.
UNWIND $ids AS id
MATCH (m:Membership {customer_id: id})
RETURN m {.segment_id, .customer_id, .since, .why} AS membership
