// Segment entries and exits recorded before a time, oldest first (through the `at` index).
MATCH (h:MembershipChange)
WHERE h.at < $before
WITH h
ORDER BY h.at
LIMIT $limit
DELETE h
RETURN count(*) AS deleted
