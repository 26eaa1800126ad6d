// The oldest change the feed still keeps (0 when it is empty).
MATCH (c:Change)
WITH c
ORDER BY c.seq
LIMIT 1
RETURN c.seq AS seq
