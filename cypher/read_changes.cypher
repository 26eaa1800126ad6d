// The feed after a sequence number, oldest first.
MATCH (c:Change)
WHERE c.seq > $after
WITH c
ORDER BY c.seq
LIMIT $limit
RETURN c {.seq, .at, .type, .topic, .customer_ids, .data} AS change
