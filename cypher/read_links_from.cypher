// The links whose smaller key is among the keys (each link exactly once).
UNWIND $keys AS k
MATCH (a:Identifier {key: k})-[l:LINK]->(b:Identifier)
RETURN a.key AS a, b.key AS b, l {.state, .reason, .count, .first_seen_at, .last_seen_at, .sources, .observations, .decided_by, .decided_at} AS l
