// Links by key pair (a < b): the relationship runs from a to b.
UNWIND $pairs AS p
MATCH (a:Identifier {key: p.a})
MATCH (b:Identifier {key: p.b})
MATCH (a)-[l:LINK]->(b)
RETURN a.key AS a, b.key AS b, l {.state, .reason, .count, .first_seen_at, .last_seen_at, .sources, .observations, .decided_by, .decided_at} AS l
