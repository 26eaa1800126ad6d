// The next page of live customer ids in id order.
MATCH (c:Customer)
WHERE c.id > $after
RETURN c.id AS id
ORDER BY id
LIMIT $limit
