// Links rejected by a limit or attach rule, in key order after the cursor pair.
MATCH (a:Identifier)-[l:LINK]->(b:Identifier)
WHERE l.conflict = true
  AND (a.key > $after_a OR (a.key = $after_a AND b.key > $after_b))
WITH a, l, b
ORDER BY a.key, b.key
LIMIT $limit
RETURN a.key AS a, b.key AS b, l {.state, .reason, .count, .first_seen_at, .last_seen_at, .sources, .observations, .decided_by, .decided_at} AS l
