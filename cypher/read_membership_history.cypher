// Entries into and exits from segments of these customers, newest first.
UNWIND $ids AS id
MATCH (h:MembershipChange {customer_id: id})
WITH h
ORDER BY h.seq DESC
LIMIT $limit
RETURN h {.seq, .segment_id, .customer_id, .at, .entered, .cause} AS change
