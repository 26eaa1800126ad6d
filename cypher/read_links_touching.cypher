// Every link with an end among the keys (a link between two of them comes twice).
// Both patterns start from the node found by key: ArcadeDB plans
// (a:Identifier)-[:LINK]->(b:Identifier {key: k}) as a scan of every Identifier.
UNWIND $keys AS k
MATCH (a:Identifier {key: k})-[l:LINK]->(b:Identifier)
RETURN a.key AS a, b.key AS b, l {.state, .reason, .count, .first_seen_at, .last_seen_at, .sources, .observations, .decided_by, .decided_at} AS l
UNION ALL
UNWIND $keys AS k
MATCH (b:Identifier {key: k})<-[l:LINK]-(a:Identifier)
RETURN a.key AS a, b.key AS b, l {.state, .reason, .count, .first_seen_at, .last_seen_at, .sources, .observations, .decided_by, .decided_at} AS l
