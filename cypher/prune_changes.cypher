// The oldest changes up to a number and before a time, with their per-customer references.
MATCH (c:Change)
WHERE c.seq <= $upto AND c.at < $before
WITH c
ORDER BY c.seq
LIMIT $limit
OPTIONAL MATCH (r:ChangeRef {seq: c.seq})
WITH c, collect(r) AS refs
FOREACH (r IN refs | DELETE r)
DELETE c
RETURN count(*) AS deleted
