// Changes naming any of the customers after a sequence number, oldest first.
UNWIND $ids AS id
MATCH (r:ChangeRef {customer_id: id})
WHERE r.seq > $after
WITH DISTINCT r.seq AS seq
ORDER BY seq
LIMIT $limit
MATCH (c:Change {seq: seq})
RETURN c {.seq, .at, .type, .topic, .customer_ids, .data} AS change
