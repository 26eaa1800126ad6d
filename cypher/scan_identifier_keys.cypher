// The next page of identifier keys in key order.
MATCH (i:Identifier)
WHERE i.key > $after
RETURN i.key AS key
ORDER BY key
LIMIT $limit
