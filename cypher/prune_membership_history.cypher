// Segment entries and exits recorded before a time, oldest first.
MATCH (h:MembershipChange)
WHERE h.at < $before
WITH h
ORDER BY h.seq
LIMIT $limit
DELETE h
RETURN count(*) AS deleted
